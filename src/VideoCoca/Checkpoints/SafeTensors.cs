using System.Buffers;
using System.Buffers.Binary;
using System.Text.Json;
using TorchSharp;

namespace VideoCoca.Checkpoints;

/// <summary>
/// Reads and writes the safetensors format: an 8-byte little-endian header length, a UTF-8 JSON header
/// (padded with spaces to a multiple of 8 bytes) mapping each tensor name to its dtype, shape and data offsets,
/// with an optional string-to-string "__metadata__" object, then the raw little-endian tensor bytes.
/// </summary>
public static class SafeTensors
{
    /// <summary>The reserved header key that holds free-form string metadata.</summary>
    public const string MetadataKey = "__metadata__";

    /// <summary>
    /// Writes <paramref name="tensors"/> (in the given order) and <paramref name="metadata"/> to <paramref name="path"/>.
    /// The file is written beside the target under a temporary name and renamed over it once complete,
    /// so an interrupted save never leaves a partial checkpoint at <paramref name="path"/>.
    /// Tensors on other devices or with non-contiguous layouts are copied to contiguous CPU memory first.
    /// </summary>
    public static void Save(
        string path,
        IEnumerable<KeyValuePair<string, torch.Tensor>> tensors,
        IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(tensors);
        EnsureLittleEndian();

        var items = new List<PendingTensor>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        long offset = 0;
        foreach (var (name, tensor) in tensors)
        {
            if (string.IsNullOrEmpty(name))
            {
                throw new ArgumentException("A tensor name is empty.", nameof(tensors));
            }
            if (name == MetadataKey)
            {
                throw new ArgumentException($"'{MetadataKey}' is reserved for metadata and cannot name a tensor.", nameof(tensors));
            }
            if (!names.Add(name))
            {
                throw new ArgumentException($"The tensor name '{name}' appears more than once.", nameof(tensors));
            }
            if (tensor is null)
            {
                throw new ArgumentException($"The tensor '{name}' is null.", nameof(tensors));
            }
            if (!SafeTensorsDType.TryFromScalarType(tensor.dtype, out var dtype, out var size))
            {
                throw new ArgumentException(
                    $"The tensor '{name}' has dtype {tensor.dtype}, which safetensors saving does not support (supported: {SafeTensorsDType.SupportedNames}).",
                    nameof(tensors));
            }
            var shape = tensor.shape;
            long byteLength = checked(tensor.NumberOfElements * size);
            items.Add(new PendingTensor(name, tensor, dtype, size, shape, offset, checked(offset + byteLength)));
            offset = checked(offset + byteLength);
        }

        var header = BuildHeader(items, metadata);
        var fullPath = Path.GetFullPath(path);
        var directory = Path.GetDirectoryName(fullPath) ?? ".";
        var temporary = Path.Combine(directory, $".{Path.GetFileName(fullPath)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20))
            {
                Span<byte> length = stackalloc byte[8];
                BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)header.Length);
                stream.Write(length);
                stream.Write(header);
                using (torch.no_grad())
                {
                    foreach (var item in items)
                    {
                        WriteTensor(stream, item);
                    }
                }
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, fullPath, overwrite: true);
        }
        catch
        {
            TryDelete(temporary);
            throw;
        }
    }

    /// <summary>
    /// Opens <paramref name="path"/>, reads and validates its header, and keeps the file open for
    /// <see cref="SafeTensorsFile.Load"/>. Throws <see cref="SafeTensorsFormatException"/> for a malformed file.
    /// </summary>
    public static SafeTensorsFile Open(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        EnsureLittleEndian();
        return SafeTensorsFile.OpenFile(path);
    }

    private sealed record PendingTensor(string Name, torch.Tensor Tensor, string DType, int ElementSize, long[] Shape, long Begin, long End);

    private static byte[] BuildHeader(List<PendingTensor> items, IReadOnlyDictionary<string, string>? metadata)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                writer.WriteStartObject(MetadataKey);
                foreach (var (key, value) in metadata)
                {
                    writer.WriteString(key, value ?? throw new ArgumentException($"Metadata value for '{key}' is null.", nameof(metadata)));
                }
                writer.WriteEndObject();
            }
            foreach (var item in items)
            {
                writer.WriteStartObject(item.Name);
                writer.WriteString("dtype", item.DType);
                writer.WriteStartArray("shape");
                foreach (var dim in item.Shape)
                {
                    writer.WriteNumberValue(dim);
                }
                writer.WriteEndArray();
                writer.WriteStartArray("data_offsets");
                writer.WriteNumberValue(item.Begin);
                writer.WriteNumberValue(item.End);
                writer.WriteEndArray();
                writer.WriteEndObject();
            }
            writer.WriteEndObject();
        }
        int padded = (buffer.WrittenCount + 7) / 8 * 8;
        var header = new byte[padded];
        buffer.WrittenSpan.CopyTo(header);
        header.AsSpan(buffer.WrittenCount).Fill((byte)' ');
        return header;
    }

    private static void WriteTensor(FileStream stream, PendingTensor item)
    {
        var source = item.Tensor;
        var onCpu = source.cpu();
        var contiguous = onCpu.contiguous();
        try
        {
            long written = 0;
            TensorBytes.ForEachChunk(contiguous, item.ElementSize, (chunk, _) =>
            {
                stream.Write(chunk);
                written += chunk.Length;
            });
            if (written != item.End - item.Begin)
            {
                throw new InvalidOperationException(
                    $"The tensor '{item.Name}' gave {written} bytes, expected {item.End - item.Begin}.");
            }
        }
        finally
        {
            if (!ReferenceEquals(contiguous, source) && !ReferenceEquals(contiguous, onCpu))
            {
                contiguous.Dispose();
            }
            if (!ReferenceEquals(onCpu, source))
            {
                onCpu.Dispose();
            }
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // Best effort: the temporary file is named so that it cannot be mistaken for a checkpoint.
        }
        catch (UnauthorizedAccessException)
        {
            // As above.
        }
    }

    private static void EnsureLittleEndian()
    {
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("safetensors reading and writing needs a little-endian machine.");
        }
    }
}
