using TorchSharp;

namespace VideoCoca.Checkpoints;

/// <summary>Receives one piece of a tensor's storage and its byte offset from the start of the tensor.</summary>
internal delegate void TensorByteChunkAction(Span<byte> chunk, long offset);

/// <summary>Walks a contiguous CPU tensor's storage in pieces small enough for a <see cref="Span{T}"/>.</summary>
internal static class TensorBytes
{
    /// <summary>Bytes handed over at a time: keeps any single span far below <see cref="int.MaxValue"/>.</summary>
    public const long ChunkBytes = 64L * 1024 * 1024;

    public static void ForEachChunk(
        torch.Tensor contiguousCpu, long elementSize, TensorByteChunkAction action, long chunkBytes = ChunkBytes)
    {
        long count = contiguousCpu.NumberOfElements;
        if (count == 0)
        {
            return;
        }
        if (count * elementSize <= chunkBytes)
        {
            action(contiguousCpu.bytes, 0);
            return;
        }
        long chunkElements = Math.Max(1, chunkBytes / elementSize);
        using var flat = contiguousCpu.reshape(-1);
        for (long start = 0; start < count; start += chunkElements)
        {
            long length = Math.Min(chunkElements, count - start);
            using var part = flat.narrow(0, start, length);
            action(part.bytes, start * elementSize);
        }
    }
}
