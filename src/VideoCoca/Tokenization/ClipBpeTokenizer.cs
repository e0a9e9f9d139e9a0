using System.Collections.Concurrent;
using System.IO.Compression;
using System.Text;

namespace VideoCoca.Tokenization;

/// <summary>
/// CLIP's byte-level BPE tokenizer (as used by CLIP, open_clip and CoCa). Vocabulary: the 256 byte symbols
/// in CLIP's byte-to-unicode order, their "&lt;/w&gt;" (end of word) forms, one id per merge, then
/// &lt;|startoftext|&gt; = 49406 and &lt;|endoftext|&gt; = 49407; pad id 0. Thread-safe.
/// </summary>
public sealed class ClipBpeTokenizer : ITextTokenizer
{
    /// <summary>Merge lines used: lines 1..48894 of the merges file (line 0 is a version header).</summary>
    public const int MergeCount = 49152 - 256 - 2;

    private const string EndOfWord = "</w>";
    private const int CacheLimit = 100_000;

    private readonly int[] _byteId = new int[256];
    private readonly int[] _byteEndId = new int[256];
    private readonly Dictionary<long, (int Rank, int Merged)> _merges;
    private readonly byte[][] _tokenBytes;
    private readonly ConcurrentDictionary<string, int[]> _cache = new(StringComparer.Ordinal);

    private ClipBpeTokenizer(string[] lines, string source)
    {
        var (byteOrder, symbolOfByte) = ByteAlphabet();
        var vocabulary = new List<string>(512 + MergeCount + 2);
        foreach (var b in byteOrder)
        {
            vocabulary.Add(symbolOfByte[b].ToString());
        }
        foreach (var b in byteOrder)
        {
            vocabulary.Add(symbolOfByte[b] + EndOfWord);
        }
        var pairs = new (string First, string Second)[MergeCount];
        for (int rank = 0; rank < MergeCount; rank++)
        {
            var parts = lines[rank + 1].Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length != 2)
            {
                throw NotMerges(source, $"line {rank + 2} is '{Shorten(lines[rank + 1])}', not two space-separated symbols");
            }
            pairs[rank] = (parts[0], parts[1]);
            vocabulary.Add(parts[0] + parts[1]);
        }
        vocabulary.Add(ClipPreTokenizer.StartOfText);
        vocabulary.Add(ClipPreTokenizer.EndOfText);

        // As in the reference, a string listed twice keeps its last id.
        var encoder = new Dictionary<string, int>(vocabulary.Count, StringComparer.Ordinal);
        for (int id = 0; id < vocabulary.Count; id++)
        {
            encoder[vocabulary[id]] = id;
        }
        for (int i = 0; i < 256; i++)
        {
            _byteId[byteOrder[i]] = encoder[vocabulary[i]];
            _byteEndId[byteOrder[i]] = encoder[vocabulary[256 + i]];
        }
        _merges = new Dictionary<long, (int, int)>(MergeCount);
        for (int rank = 0; rank < MergeCount; rank++)
        {
            var (first, second) = pairs[rank];
            if (!encoder.TryGetValue(first, out var firstId) || !encoder.TryGetValue(second, out var secondId))
            {
                throw NotMerges(source, $"line {rank + 2} merges '{first}' and '{second}', which are not both in the vocabulary");
            }
            _merges[PairKey(firstId, secondId)] = (rank, encoder[first + second]);
        }

        var byteOfSymbol = new Dictionary<char, byte>(256);
        for (int b = 0; b < 256; b++)
        {
            byteOfSymbol[symbolOfByte[b]] = (byte)b;
        }
        _tokenBytes = new byte[vocabulary.Count][];
        for (int id = 0; id < vocabulary.Count; id++)
        {
            var token = vocabulary[id];
            var bytes = new byte[token.Length];
            for (int k = 0; k < token.Length; k++)
            {
                if (!byteOfSymbol.TryGetValue(token[k], out bytes[k]))
                {
                    throw NotMerges(source, $"vocabulary entry {id} ('{Shorten(token)}') holds a character outside CLIP's byte alphabet");
                }
            }
            _tokenBytes[id] = bytes;
        }
        VocabularySize = vocabulary.Count;
        SourcePath = source;
        StartId = encoder[ClipPreTokenizer.StartOfText];
        EndId = encoder[ClipPreTokenizer.EndOfText];
    }

    public int VocabularySize { get; }

    /// <summary>The merges file this tokenizer was read from (full path), so that a model folder can name it.</summary>
    public string SourcePath { get; }

    public int StartId { get; }

    public int EndId { get; }

    public int PadId => 0;

    /// <summary>Reads a CLIP merges file (gzipped, as shipped as bpe_simple_vocab_16e6.txt.gz, or plain text).</summary>
    public static ClipBpeTokenizer Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var fullPath = Path.GetFullPath(path);
        if (!File.Exists(fullPath))
        {
            throw new FileNotFoundException(
                $"The CLIP BPE merges file '{fullPath}' does not exist (expected bpe_simple_vocab_16e6.txt.gz).", fullPath);
        }
        string text;
        try
        {
            var raw = File.ReadAllBytes(fullPath);
            byte[] content = raw;
            if (raw.Length >= 2 && raw[0] == 0x1F && raw[1] == 0x8B)
            {
                using var gzip = new GZipStream(new MemoryStream(raw), CompressionMode.Decompress);
                using var plain = new MemoryStream();
                gzip.CopyTo(plain);
                content = plain.ToArray();
            }
            text = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true).GetString(content);
        }
        catch (Exception ex) when (ex is InvalidDataException or DecoderFallbackException)
        {
            throw NotMerges(fullPath, $"it cannot be read as gzip or UTF-8 text ({ex.Message})");
        }
        var lines = text.Split('\n');
        if (!lines[0].Contains("#version", StringComparison.Ordinal))
        {
            throw NotMerges(fullPath, $"its first line is '{Shorten(lines[0])}', not a '#version' header");
        }
        if (lines.Length < MergeCount + 1)
        {
            throw NotMerges(fullPath, $"it has {lines.Length - 1} lines after the header, fewer than the {MergeCount} merges CLIP uses");
        }
        return new ClipBpeTokenizer(lines, fullPath);
    }

    public IReadOnlyList<int> EncodeWords(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = new List<int>();
        foreach (var piece in ClipPreTokenizer.Split(ClipTextCleaner.Clean(text)))
        {
            ids.AddRange(Bpe(piece));
        }
        return ids;
    }

    public string Decode(IEnumerable<int> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var bytes = new List<byte>();
        foreach (var id in ids)
        {
            if (id == StartId || id == EndId || id == PadId)
            {
                continue;
            }
            if ((uint)id >= (uint)VocabularySize)
            {
                throw new ArgumentOutOfRangeException(nameof(ids), id, $"Token id {id} is outside the vocabulary (0..{VocabularySize - 1}).");
            }
            bytes.AddRange(_tokenBytes[id]);
        }
        return Encoding.UTF8.GetString(bytes.ToArray()).Replace(EndOfWord, " ", StringComparison.Ordinal);
    }

    /// <summary>BPE ids of one pre-token, cached.</summary>
    private int[] Bpe(string piece)
    {
        if (piece == ClipPreTokenizer.StartOfText)
        {
            return [StartId];
        }
        if (piece == ClipPreTokenizer.EndOfText)
        {
            return [EndId];
        }
        if (_cache.TryGetValue(piece, out var cached))
        {
            return cached;
        }
        var utf8 = Encoding.UTF8.GetBytes(piece);
        var word = new List<int>(utf8.Length);
        for (int i = 0; i < utf8.Length; i++)
        {
            word.Add(i == utf8.Length - 1 ? _byteEndId[utf8[i]] : _byteId[utf8[i]]);
        }
        while (word.Count > 1)
        {
            int bestRank = int.MaxValue, first = -1, second = -1, merged = -1;
            for (int i = 0; i + 1 < word.Count; i++)
            {
                if (_merges.TryGetValue(PairKey(word[i], word[i + 1]), out var merge) && merge.Rank < bestRank)
                {
                    (bestRank, first, second, merged) = (merge.Rank, word[i], word[i + 1], merge.Merged);
                }
            }
            if (bestRank == int.MaxValue)
            {
                break;
            }
            int write = 0;
            for (int read = 0; read < word.Count;)
            {
                if (read + 1 < word.Count && word[read] == first && word[read + 1] == second)
                {
                    word[write++] = merged;
                    read += 2;
                }
                else
                {
                    word[write++] = word[read++];
                }
            }
            word.RemoveRange(write, word.Count - write);
        }
        var result = word.ToArray();
        if (_cache.Count >= CacheLimit)
        {
            _cache.Clear();
        }
        _cache.TryAdd(piece, result);
        return result;
    }

    private static long PairKey(int first, int second) => ((long)first << 32) | (uint)second;

    /// <summary>
    /// CLIP's byte-to-unicode table: printable Latin-1 bytes stand for themselves, the rest map to U+0100 onwards.
    /// Returns the bytes in vocabulary order and each byte's symbol.
    /// </summary>
    private static (byte[] Order, char[] Symbol) ByteAlphabet()
    {
        var order = new List<byte>(256);
        var symbol = new char[256];
        static bool Printable(int b) => b is >= '!' and <= '~' or >= 0xA1 and <= 0xAC or >= 0xAE and <= 0xFF;
        for (int b = 0; b < 256; b++)
        {
            if (Printable(b))
            {
                order.Add((byte)b);
                symbol[b] = (char)b;
            }
        }
        int next = 256;
        for (int b = 0; b < 256; b++)
        {
            if (!Printable(b))
            {
                order.Add((byte)b);
                symbol[b] = (char)next++;
            }
        }
        return (order.ToArray(), symbol);
    }

    private static InvalidDataException NotMerges(string path, string problem) =>
        new($"'{path}' is not a CLIP BPE merges file: {problem}.");

    private static string Shorten(string text) => text.Length <= 60 ? text : text[..60] + "...";
}
