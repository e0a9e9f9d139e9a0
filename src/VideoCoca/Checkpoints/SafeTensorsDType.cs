using TorchSharp;

namespace VideoCoca.Checkpoints;

/// <summary>The dtypes this reader and writer support, as the safetensors header names them.</summary>
internal static class SafeTensorsDType
{
    private static readonly (string Name, torch.ScalarType Type, int Size)[] Known =
    [
        ("F64", torch.ScalarType.Float64, 8),
        ("F32", torch.ScalarType.Float32, 4),
        ("F16", torch.ScalarType.Float16, 2),
        ("BF16", torch.ScalarType.BFloat16, 2),
        ("I64", torch.ScalarType.Int64, 8),
        ("I32", torch.ScalarType.Int32, 4),
        ("I16", torch.ScalarType.Int16, 2),
        ("I8", torch.ScalarType.Int8, 1),
        ("U8", torch.ScalarType.Byte, 1),
        ("BOOL", torch.ScalarType.Bool, 1),
    ];

    /// <summary>Names of every supported dtype, for messages.</summary>
    public static string SupportedNames => string.Join(", ", Known.Select(k => k.Name));

    public static bool TryFromName(string name, out torch.ScalarType type, out int size)
    {
        foreach (var known in Known)
        {
            if (string.Equals(known.Name, name, StringComparison.Ordinal))
            {
                type = known.Type;
                size = known.Size;
                return true;
            }
        }
        type = default;
        size = 0;
        return false;
    }

    public static bool TryFromScalarType(torch.ScalarType type, out string name, out int size)
    {
        foreach (var known in Known)
        {
            if (known.Type == type)
            {
                name = known.Name;
                size = known.Size;
                return true;
            }
        }
        name = "";
        size = 0;
        return false;
    }
}
