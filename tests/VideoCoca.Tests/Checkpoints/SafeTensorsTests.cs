using static TorchSharp.torch;
using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using TorchSharp;
using VideoCoca.Checkpoints;

namespace VideoCoca.Tests.Checkpoints;

public sealed class SafeTensorsTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "vcp-safetensors-" + Guid.NewGuid().ToString("N"));

    public SafeTensorsTests() => Directory.CreateDirectory(_folder);

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string PathFor(string name) => Path.Combine(_folder, name);

    /// <summary>A tensor of the given dtype and shape whose bytes are random (0/1 for bool).</summary>
    private static torch.Tensor RandomTensor(torch.ScalarType type, long[] shape, Random random)
    {
        var tensor = torch.empty(shape, dtype: type);
        if (tensor.NumberOfElements > 0)
        {
            var bytes = new byte[tensor.NumberOfElements * tensor.ElementSize];
            random.NextBytes(bytes);
            if (type == torch.ScalarType.Bool)
            {
                for (int i = 0; i < bytes.Length; i++)
                {
                    bytes[i] &= 1;
                }
            }
            tensor.bytes = bytes;
        }
        return tensor;
    }

    private static readonly (string DType, torch.ScalarType Type, long[] Shape)[] Mixed =
    [
        ("F64", torch.ScalarType.Float64, [3, 4]),
        ("F32", torch.ScalarType.Float32, [2, 3, 5]),
        ("F16", torch.ScalarType.Float16, [7]),
        ("BF16", torch.ScalarType.BFloat16, [4, 4]),
        ("I64", torch.ScalarType.Int64, []),
        ("I32", torch.ScalarType.Int32, [0, 3]),
        ("I16", torch.ScalarType.Int16, [2, 2, 2]),
        ("I8", torch.ScalarType.Int8, [5]),
        ("U8", torch.ScalarType.Byte, [16]),
        ("BOOL", torch.ScalarType.Bool, [3, 3]),
    ];

    private List<KeyValuePair<string, torch.Tensor>> MixedTensors(int seed)
    {
        var random = new Random(seed);
        return Mixed.Select(m => new KeyValuePair<string, torch.Tensor>("t." + m.DType.ToLowerInvariant(), RandomTensor(m.Type, m.Shape, random))).ToList();
    }

    [Fact]
    public void RoundTripIsBitExactForEveryDTypeAndShape()
    {
        using var testScope = NewDisposeScope();
        var path = PathFor("mixed.safetensors");
        var tensors = MixedTensors(1);
        SafeTensors.Save(path, tensors);

        using var file = SafeTensors.Open(path);
        Assert.Equal(tensors.Select(t => t.Key), file.Entries.Select(e => e.Name));
        Assert.Equal(Mixed.Select(m => m.DType), file.Entries.Select(e => e.DType));
        Assert.Empty(file.Metadata);
        var loaded = file.LoadAll();
        try
        {
            foreach (var (name, original) in tensors)
            {
                var copy = loaded[name];
                Assert.Equal(original.dtype, copy.dtype);
                Assert.Equal(original.shape, copy.shape);
                Assert.Equal(original.bytes.ToArray(), copy.bytes.ToArray());
            }
            Assert.Empty(loaded["t.i64"].shape);
            Assert.Equal(0, loaded["t.i32"].NumberOfElements);
        }
        finally
        {
            foreach (var t in loaded.Values.Concat(tensors.Select(t => t.Value)))
            {
                t.Dispose();
            }
        }
    }

    [Fact]
    public void NonContiguousTensorIsSavedInLogicalOrder()
    {
        using var testScope = NewDisposeScope();
        var path = PathFor("transposed.safetensors");
        using var source = torch.arange(12, dtype: torch.ScalarType.Float32).reshape(3, 4);
        using var transposed = source.t();
        using var expected = transposed.contiguous();
        SafeTensors.Save(path, [new("x", transposed)]);
        using var file = SafeTensors.Open(path);
        using var loaded = file.Load("x");
        Assert.Equal(new long[] { 4, 3 }, loaded.shape);
        Assert.Equal(expected.bytes.ToArray(), loaded.bytes.ToArray());
    }

    [Fact]
    public void MetadataRoundTrips()
    {
        using var testScope = NewDisposeScope();
        var path = PathFor("meta.safetensors");
        var metadata = new Dictionary<string, string>
        {
            ["format"] = "pt",
            ["note"] = "ünïcode \"quoted\" \\ line\nbreak",
            ["empty"] = "",
        };
        using var tensor = torch.ones(2, 2);
        SafeTensors.Save(path, [new("w", tensor)], metadata);
        using var file = SafeTensors.Open(path);
        Assert.Equal(metadata.OrderBy(p => p.Key), file.Metadata.OrderBy(p => p.Key));
    }

    [Fact]
    public void HeaderLayoutIsWhatTheFormatSays()
    {
        using var testScope = NewDisposeScope();
        var path = PathFor("layout.safetensors");
        var tensors = MixedTensors(2);
        SafeTensors.Save(path, tensors, new Dictionary<string, string> { ["k"] = "v" });
        var bytes = File.ReadAllBytes(path);

        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(0, 8));
        Assert.Equal(0UL, headerLength % 8);
        var headerBytes = bytes.AsSpan(8, (int)headerLength);
        Assert.Equal((byte)'{', headerBytes[0]);
        var headerText = Encoding.UTF8.GetString(headerBytes);
        int jsonEnd = headerText.LastIndexOf('}') + 1;
        Assert.True(headerText.Length - jsonEnd < 8, "padding is shorter than 8 bytes");
        Assert.All(headerText[jsonEnd..], c => Assert.Equal(' ', c));

        using var document = JsonDocument.Parse(headerText.TrimEnd(' '));
        var root = document.RootElement;
        Assert.Equal("v", root.GetProperty("__metadata__").GetProperty("k").GetString());
        int dataStart = 8 + (int)headerLength;
        long expectedBegin = 0;
        int index = 0;
        foreach (var property in root.EnumerateObject().Where(p => p.Name != "__metadata__"))
        {
            var (name, tensor) = tensors[index];
            Assert.Equal(name, property.Name);
            Assert.Equal(Mixed[index].DType, property.Value.GetProperty("dtype").GetString());
            Assert.Equal(tensor.shape, property.Value.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()).ToArray());
            var offsets = property.Value.GetProperty("data_offsets").EnumerateArray().Select(e => e.GetInt64()).ToArray();
            Assert.Equal(2, offsets.Length);
            Assert.Equal(expectedBegin, offsets[0]);
            Assert.Equal(tensor.NumberOfElements * tensor.ElementSize, offsets[1] - offsets[0]);
            Assert.Equal(tensor.bytes.ToArray(), bytes.AsSpan(dataStart + (int)offsets[0], (int)(offsets[1] - offsets[0])).ToArray());
            expectedBegin = offsets[1];
            index++;
        }
        Assert.Equal(tensors.Count, index);
        Assert.Equal(bytes.Length, dataStart + expectedBegin);
        foreach (var t in tensors)
        {
            t.Value.Dispose();
        }
    }

    [Fact]
    public void LittleEndianValuesAreOnDisk()
    {
        using var testScope = NewDisposeScope();
        var path = PathFor("endian.safetensors");
        using var tensor = torch.tensor(new int[] { 0x01020304 });
        SafeTensors.Save(path, [new("x", tensor)]);
        var bytes = File.ReadAllBytes(path);
        Assert.Equal(new byte[] { 4, 3, 2, 1 }, bytes[^4..]);
    }

    [Fact]
    public void SaveReplacesAnExistingFileAndLeavesNoTemporaryFiles()
    {
        using var testScope = NewDisposeScope();
        var path = PathFor("replace.safetensors");
        using var a = torch.zeros(3);
        using var b = torch.ones(5);
        SafeTensors.Save(path, [new("a", a)]);
        SafeTensors.Save(path, [new("b", b)]);
        using (var file = SafeTensors.Open(path))
        {
            Assert.Equal(["b"], file.Entries.Select(e => e.Name));
        }
        Assert.Equal([path], Directory.GetFiles(_folder));
    }

    [Fact]
    public void FailedSaveKeepsTheOldFile()
    {
        using var testScope = NewDisposeScope();
        var path = PathFor("keep.safetensors");
        using var a = torch.zeros(3);
        SafeTensors.Save(path, [new("a", a)]);
        var before = File.ReadAllBytes(path);
        using var complex = torch.zeros(2, dtype: torch.ScalarType.ComplexFloat32);
        Assert.Throws<ArgumentException>(() => SafeTensors.Save(path, [new("a", a), new("c", complex)]));
        Assert.Throws<ArgumentException>(() => SafeTensors.Save(path, [new("a", a), new("a", a)]));
        Assert.Throws<ArgumentException>(() => SafeTensors.Save(path, [new("__metadata__", a)]));
        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Equal([path], Directory.GetFiles(_folder));
    }

    [Fact]
    public void LoadOfUnknownNameOrAfterDisposeFails()
    {
        using var testScope = NewDisposeScope();
        var path = PathFor("small.safetensors");
        using var a = torch.zeros(3);
        SafeTensors.Save(path, [new("a", a)]);
        var file = SafeTensors.Open(path);
        Assert.Throws<KeyNotFoundException>(() => file.Load("missing"));
        file.Dispose();
        Assert.Throws<ObjectDisposedException>(() => file.Load("a"));
    }

    [Fact]
    public void MissingFileIsReported()
    {
        using var testScope = NewDisposeScope();
        var error = Assert.Throws<FileNotFoundException>(() => SafeTensors.Open(PathFor("nope.safetensors")));
        Assert.Contains("nope.safetensors", error.Message);
    }

    [Fact]
    public void LargeTensorsAreCopiedInChunks()
    {
        using var testScope = NewDisposeScope();
        using var tensor = torch.arange(10, dtype: torch.ScalarType.Int32);
        var pieces = new List<(long Offset, byte[] Bytes)>();
        TensorBytes.ForEachChunk(tensor, 4, (chunk, offset) => pieces.Add((offset, chunk.ToArray())), chunkBytes: 12);
        Assert.Equal(new long[] { 0, 12, 24, 36 }, pieces.Select(p => p.Offset));
        Assert.Equal(tensor.bytes.ToArray(), pieces.SelectMany(p => p.Bytes).ToArray());
    }

    // ---- corrupt files ----

    private string WriteRaw(string name, string header, int dataLength, ulong? headerLength = null)
    {
        var headerBytes = Encoding.UTF8.GetBytes(header);
        var bytes = new byte[8 + headerBytes.Length + dataLength];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, headerLength ?? (ulong)headerBytes.Length);
        headerBytes.CopyTo(bytes, 8);
        var path = PathFor(name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    [Theory]
    [InlineData("short", "shorter than the 8-byte header length")]
    [InlineData("header-too-long", "header length 1000 is larger than the 6 bytes")]
    [InlineData("not-json", "header is not valid JSON")]
    [InlineData("not-object", "header is a JSON Array, not an object")]
    [InlineData("unknown-dtype", "tensor 'a' has unknown dtype 'F8'")]
    [InlineData("size-mismatch", "tensor 'a' is F32 with shape [3], which takes 12 bytes, but its data_offsets [0, 8] span 8")]
    [InlineData("out-of-range", "tensor 'a' has data_offsets [0, 16] beyond the 8-byte data section")]
    [InlineData("reversed", "tensor 'a' has data_offsets [8, 0] that end before they begin")]
    [InlineData("overlap", "tensor 'b' data_offsets [4, 12] overlap tensor 'a' [0, 8]")]
    [InlineData("hole", "data bytes [4, 8) before tensor 'b' belong to no tensor")]
    [InlineData("trailing", "data bytes [4, 8) after the last tensor belong to no tensor")]
    [InlineData("duplicate", "the header names 'a' more than once")]
    [InlineData("bad-shape", "tensor 'a' has a \"shape\" value -1 that is not a non-negative integer")]
    [InlineData("bad-metadata", "metadata value 'k' is a JSON Number, not a string")]
    [InlineData("missing-dtype", "tensor 'a' has no string \"dtype\"")]
    public void CorruptFileIsRejectedWithOneClearLine(string kind, string expected)
    {
        using var testScope = NewDisposeScope();
        var path = kind switch
        {
            "short" => WriteBytes("short.safetensors", [1, 2, 3]),
            "header-too-long" => WriteRaw("h.safetensors", "{}    ", 0, headerLength: 1000),
            "not-json" => WriteRaw("j.safetensors", "{not json", 0),
            "not-object" => WriteRaw("o.safetensors", "[]", 0),
            "unknown-dtype" => WriteRaw("d.safetensors", """{"a":{"dtype":"F8","shape":[2],"data_offsets":[0,2]}}""", 2),
            "size-mismatch" => WriteRaw("s.safetensors", """{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}""", 8),
            "out-of-range" => WriteRaw("r.safetensors", """{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}""", 8),
            "reversed" => WriteRaw("v.safetensors", """{"a":{"dtype":"U8","shape":[8],"data_offsets":[8,0]}}""", 8),
            "overlap" => WriteRaw("p.safetensors",
                """{"a":{"dtype":"U8","shape":[8],"data_offsets":[0,8]},"b":{"dtype":"U8","shape":[8],"data_offsets":[4,12]}}""", 12),
            "hole" => WriteRaw("l.safetensors",
                """{"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]},"b":{"dtype":"U8","shape":[4],"data_offsets":[8,12]}}""", 12),
            "trailing" => WriteRaw("t.safetensors", """{"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]}}""", 8),
            "duplicate" => WriteRaw("u.safetensors",
                """{"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]},"a":{"dtype":"U8","shape":[4],"data_offsets":[4,8]}}""", 8),
            "bad-shape" => WriteRaw("b.safetensors", """{"a":{"dtype":"U8","shape":[-1],"data_offsets":[0,0]}}""", 0),
            "bad-metadata" => WriteRaw("m.safetensors", """{"__metadata__":{"k":1}}""", 0),
            "missing-dtype" => WriteRaw("x.safetensors", """{"a":{"shape":[1],"data_offsets":[0,1]}}""", 1),
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };
        var error = Assert.Throws<SafeTensorsFormatException>(() => SafeTensors.Open(path).Dispose());
        Assert.Contains(expected, error.Message);
        Assert.Contains(path, error.Message);
        Assert.Equal(path, error.FilePath);
        Assert.DoesNotContain('\n', error.Message);
        Assert.DoesNotContain('\r', error.Message);
    }

    private string WriteBytes(string name, byte[] bytes)
    {
        var path = PathFor(name);
        File.WriteAllBytes(path, bytes);
        return path;
    }
}
