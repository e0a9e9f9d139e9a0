using System.Buffers.Binary;
using System.Text.Json;
using Microsoft.Win32.SafeHandles;
using TorchSharp;

namespace VideoCoca.Checkpoints;

/// <summary>
/// An open safetensors file whose header has been read and validated. Tensors are read on demand,
/// each straight from the file into its own storage, so files larger than any managed array load fine.
/// </summary>
public sealed class SafeTensorsFile : IDisposable
{
    /// <summary>Headers above this size are refused rather than read into memory.</summary>
    public const long MaxHeaderBytes = 100L * 1024 * 1024;

    private readonly SafeFileHandle _handle;
    private readonly Dictionary<string, SafeTensorEntry> _byName;
    private readonly long _dataStart;

    private SafeTensorsFile(
        string path,
        SafeFileHandle handle,
        long dataStart,
        IReadOnlyDictionary<string, string> metadata,
        IReadOnlyList<SafeTensorEntry> entries)
    {
        Path = path;
        _handle = handle;
        _dataStart = dataStart;
        Metadata = metadata;
        Entries = entries;
        _byName = entries.ToDictionary(e => e.Name, StringComparer.Ordinal);
    }

    /// <summary>The file's full path.</summary>
    public string Path { get; }

    /// <summary>The header's "__metadata__" strings (empty when the file has none).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Every tensor, in header order.</summary>
    public IReadOnlyList<SafeTensorEntry> Entries { get; }

    /// <summary>Whether the file holds a tensor called <paramref name="name"/>.</summary>
    public bool Contains(string name) => _byName.ContainsKey(name);

    /// <summary>Reads the tensor <paramref name="name"/> into a new CPU tensor that the caller owns.</summary>
    public torch.Tensor Load(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
        if (!_byName.TryGetValue(name, out var entry))
        {
            throw new KeyNotFoundException($"The safetensors file '{Path}' has no tensor named '{name}'.");
        }
        SafeTensorsDType.TryFromName(entry.DType, out var type, out var size);
        var tensor = torch.empty(entry.Shape, dtype: type);
        try
        {
            long start = _dataStart + entry.Begin;
            TensorBytes.ForEachChunk(tensor, size, (chunk, offset) => ReadExactly(chunk, start + offset, entry.Name));
        }
        catch
        {
            tensor.Dispose();
            throw;
        }
        return tensor;
    }

    /// <summary>
    /// Reads the tensor <paramref name="name"/> straight into <paramref name="target"/> when that is a contiguous CPU
    /// tensor of the stored type and shape (no tensor in between, no copy); false, and nothing read, otherwise.
    /// </summary>
    public bool TryLoadInto(string name, torch.Tensor target)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(target);
        ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
        if (!_byName.TryGetValue(name, out var entry))
        {
            throw new KeyNotFoundException($"The safetensors file '{Path}' has no tensor named '{name}'.");
        }
        SafeTensorsDType.TryFromName(entry.DType, out var type, out var size);
        if (target.device_type != DeviceType.CPU || !target.is_contiguous() || target.dtype != type || !entry.Shape.SequenceEqual(target.shape))
        {
            return false;
        }
        long start = _dataStart + entry.Begin;
        TensorBytes.ForEachChunk(target, size, (chunk, offset) => ReadExactly(chunk, start + offset, entry.Name));
        return true;
    }

    /// <summary>Reads every tensor, keyed by name, in header order. The caller owns the tensors.</summary>
    public Dictionary<string, torch.Tensor> LoadAll()
    {
        var result = new Dictionary<string, torch.Tensor>(Entries.Count, StringComparer.Ordinal);
        try
        {
            foreach (var entry in Entries)
            {
                result.Add(entry.Name, Load(entry.Name));
            }
        }
        catch
        {
            foreach (var tensor in result.Values)
            {
                tensor.Dispose();
            }
            throw;
        }
        return result;
    }

    public void Dispose() => _handle.Dispose();

    private void ReadExactly(Span<byte> destination, long fileOffset, string name)
    {
        while (!destination.IsEmpty)
        {
            int read = RandomAccess.Read(_handle, destination, fileOffset);
            if (read <= 0)
            {
                throw new SafeTensorsFormatException(Path, $"the file ended while reading tensor '{name}' (was it truncated after opening?)");
            }
            destination = destination[read..];
            fileOffset += read;
        }
    }

    internal static SafeTensorsFile OpenFile(string path)
    {
        var fullPath = System.IO.Path.GetFullPath(path);
        if (!File.Exists(fullPath))
        {
            throw new FileNotFoundException($"The safetensors file '{fullPath}' does not exist.", fullPath);
        }
        var handle = File.OpenHandle(fullPath, FileMode.Open, FileAccess.Read, FileShare.Read);
        try
        {
            var (dataStart, metadata, entries) = ReadHeader(fullPath, handle);
            return new SafeTensorsFile(fullPath, handle, dataStart, metadata, entries);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    private static (long DataStart, IReadOnlyDictionary<string, string> Metadata, IReadOnlyList<SafeTensorEntry> Entries) ReadHeader(
        string path, SafeFileHandle handle)
    {
        long fileLength = RandomAccess.GetLength(handle);
        if (fileLength < 8)
        {
            throw new SafeTensorsFormatException(path, $"the file is {fileLength} bytes long, shorter than the 8-byte header length field");
        }
        Span<byte> lengthBytes = stackalloc byte[8];
        ReadAll(path, handle, lengthBytes, 0);
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(lengthBytes);
        if (headerLength > (ulong)(fileLength - 8))
        {
            throw new SafeTensorsFormatException(path, $"the header length {headerLength} is larger than the {fileLength - 8} bytes that follow it");
        }
        if (headerLength > MaxHeaderBytes)
        {
            throw new SafeTensorsFormatException(path, $"the header length {headerLength} exceeds the {MaxHeaderBytes}-byte limit");
        }
        var header = new byte[headerLength];
        ReadAll(path, handle, header, 8);
        long dataStart = 8 + (long)headerLength;
        long dataLength = fileLength - dataStart;

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(header, new JsonDocumentOptions { MaxDepth = 16 });
        }
        catch (JsonException ex)
        {
            throw new SafeTensorsFormatException(path, $"the header is not valid JSON ({ex.Message})", ex);
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new SafeTensorsFormatException(path, $"the header is a JSON {root.ValueKind}, not an object");
            }
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            var entries = new List<SafeTensorEntry>();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var property in root.EnumerateObject())
            {
                if (!seen.Add(property.Name))
                {
                    throw new SafeTensorsFormatException(path, $"the header names '{property.Name}' more than once");
                }
                if (property.Name == SafeTensors.MetadataKey)
                {
                    ReadMetadata(path, property.Value, metadata);
                }
                else
                {
                    entries.Add(ReadEntry(path, property.Name, property.Value, dataLength));
                }
            }
            CheckCoverage(path, entries, dataLength);
            return (dataStart, metadata, entries);
        }
    }

    private static void ReadMetadata(string path, JsonElement value, Dictionary<string, string> metadata)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw new SafeTensorsFormatException(path, $"'{SafeTensors.MetadataKey}' is a JSON {value.ValueKind}, not an object of strings");
        }
        foreach (var item in value.EnumerateObject())
        {
            if (item.Value.ValueKind != JsonValueKind.String)
            {
                throw new SafeTensorsFormatException(path, $"metadata value '{item.Name}' is a JSON {item.Value.ValueKind}, not a string");
            }
            if (!metadata.TryAdd(item.Name, item.Value.GetString()!))
            {
                throw new SafeTensorsFormatException(path, $"metadata key '{item.Name}' appears more than once");
            }
        }
    }

    private static SafeTensorEntry ReadEntry(string path, string name, JsonElement value, long dataLength)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw new SafeTensorsFormatException(path, $"tensor '{name}' is described by a JSON {value.ValueKind}, not an object");
        }
        if (!value.TryGetProperty("dtype", out var dtypeElement) || dtypeElement.ValueKind != JsonValueKind.String)
        {
            throw new SafeTensorsFormatException(path, $"tensor '{name}' has no string \"dtype\"");
        }
        var dtype = dtypeElement.GetString()!;
        if (!SafeTensorsDType.TryFromName(dtype, out _, out var elementSize))
        {
            throw new SafeTensorsFormatException(path, $"tensor '{name}' has unknown dtype '{dtype}' (supported: {SafeTensorsDType.SupportedNames})");
        }
        var shape = ReadIntegers(path, name, value, "shape", expectedCount: null);
        var offsets = ReadIntegers(path, name, value, "data_offsets", expectedCount: 2);
        long begin = offsets[0], end = offsets[1];
        if (begin > end)
        {
            throw new SafeTensorsFormatException(path, $"tensor '{name}' has data_offsets [{begin}, {end}] that end before they begin");
        }
        if (end > dataLength)
        {
            throw new SafeTensorsFormatException(path, $"tensor '{name}' has data_offsets [{begin}, {end}] beyond the {dataLength}-byte data section");
        }
        long expected;
        try
        {
            expected = elementSize;
            foreach (var dim in shape)
            {
                expected = checked(expected * dim);
            }
        }
        catch (OverflowException)
        {
            throw new SafeTensorsFormatException(path, $"tensor '{name}' has shape [{string.Join(", ", shape)}], too large to address");
        }
        if (expected != end - begin)
        {
            throw new SafeTensorsFormatException(path,
                $"tensor '{name}' is {dtype} with shape [{string.Join(", ", shape)}], which takes {expected} bytes, but its data_offsets [{begin}, {end}] span {end - begin}");
        }
        return new SafeTensorEntry(name, dtype, shape, begin, end);
    }

    private static long[] ReadIntegers(string path, string name, JsonElement value, string field, int? expectedCount)
    {
        if (!value.TryGetProperty(field, out var array) || array.ValueKind != JsonValueKind.Array)
        {
            throw new SafeTensorsFormatException(path, $"tensor '{name}' has no \"{field}\" array");
        }
        int count = array.GetArrayLength();
        if (expectedCount is { } required && count != required)
        {
            throw new SafeTensorsFormatException(path, $"tensor '{name}' has {count} \"{field}\" values instead of {required}");
        }
        var result = new long[count];
        int i = 0;
        foreach (var item in array.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt64(out var number) || number < 0)
            {
                throw new SafeTensorsFormatException(path, $"tensor '{name}' has a \"{field}\" value {item.GetRawText()} that is not a non-negative integer");
            }
            result[i++] = number;
        }
        return result;
    }

    /// <summary>The tensors' byte ranges must tile the data section exactly: no overlaps, no holes, nothing after them.</summary>
    private static void CheckCoverage(string path, List<SafeTensorEntry> entries, long dataLength)
    {
        var ordered = entries.OrderBy(e => e.Begin).ThenBy(e => e.End).ToList();
        long expected = 0;
        SafeTensorEntry? previous = null;
        foreach (var entry in ordered)
        {
            if (entry.Begin < expected)
            {
                throw new SafeTensorsFormatException(path,
                    $"tensor '{entry.Name}' data_offsets [{entry.Begin}, {entry.End}] overlap tensor '{previous!.Name}' [{previous.Begin}, {previous.End}]");
            }
            if (entry.Begin > expected)
            {
                throw new SafeTensorsFormatException(path,
                    $"data bytes [{expected}, {entry.Begin}) before tensor '{entry.Name}' belong to no tensor (a hole in data_offsets)");
            }
            expected = entry.End;
            previous = entry;
        }
        if (expected != dataLength)
        {
            throw new SafeTensorsFormatException(path,
                $"data bytes [{expected}, {dataLength}) after the last tensor belong to no tensor (a hole in data_offsets)");
        }
    }

    private static void ReadAll(string path, SafeFileHandle handle, Span<byte> destination, long offset)
    {
        while (!destination.IsEmpty)
        {
            int read = RandomAccess.Read(handle, destination, offset);
            if (read <= 0)
            {
                throw new SafeTensorsFormatException(path, "the file ended while reading its header");
            }
            destination = destination[read..];
            offset += read;
        }
    }
}
