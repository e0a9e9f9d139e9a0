namespace VideoCoca.Checkpoints;

/// <summary>
/// One tensor's header entry: its name, dtype as the format spells it ("F32", "BF16", ...), shape, and
/// byte range [<paramref name="Begin"/>, <paramref name="End"/>) relative to the start of the data section.
/// </summary>
public sealed record SafeTensorEntry(string Name, string DType, long[] Shape, long Begin, long End)
{
    /// <summary>Number of elements (1 for a 0-dim scalar).</summary>
    public long ElementCount
    {
        get
        {
            long count = 1;
            foreach (var dim in Shape)
            {
                count *= dim;
            }
            return count;
        }
    }

    /// <summary>Byte length of the tensor's data.</summary>
    public long ByteLength => End - Begin;
}
