using System.IO.Compression;
using System.Text;
using System.Text.Json;
using VideoCoca.Tokenization;

namespace VideoCoca.Tests.Tokenization;

public sealed class ClipBpeTokenizerTests
{
    private static readonly Lazy<ClipBpeTokenizer> Shared = new(() => ClipBpeTokenizer.Load(MergesPath));

    private static string ClipFolder => Path.Combine(TestPaths.SharedFolder, "clip-bpe");

    private static string MergesPath => Path.Combine(ClipFolder, "bpe_simple_vocab_16e6.txt.gz");

    private static ClipBpeTokenizer Tokenizer => Shared.Value;

    private static List<(string Text, int[] Ids, string Decoded)> ReferenceLines()
    {
        var lines = new List<(string, int[], string)>();
        foreach (var line in File.ReadLines(Path.Combine(ClipFolder, "reference-tokens.jsonl")))
        {
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }
            using var document = JsonDocument.Parse(line);
            var root = document.RootElement;
            lines.Add((
                root.GetProperty("text").GetString()!,
                root.GetProperty("bpe_ids").EnumerateArray().Select(e => e.GetInt32()).ToArray(),
                root.GetProperty("decoded").GetString()!));
        }
        return lines;
    }

    public static TheoryData<int> ReferenceLineNumbers()
    {
        var data = new TheoryData<int>();
        for (int i = 0; i < ReferenceLines().Count; i++)
        {
            data.Add(i);
        }
        return data;
    }

    [Fact]
    public void TestPathsFindTheRepositoryAndSharedData()
    {
        Assert.True(File.Exists(Path.Combine(TestPaths.RepositoryRoot, "VideoCocaPlatform.sln")));
        Assert.True(File.Exists(MergesPath), $"missing {MergesPath}");
        Assert.True(ReferenceLines().Count >= 10);
    }

    [Fact]
    public void VocabularyHasClipsSpecialIds()
    {
        Assert.Equal(49408, Tokenizer.VocabularySize);
        Assert.Equal(49406, Tokenizer.StartId);
        Assert.Equal(49407, Tokenizer.EndId);
        Assert.Equal(0, Tokenizer.PadId);
    }

    [Theory]
    [MemberData(nameof(ReferenceLineNumbers))]
    public void ReferenceLineEncodesAndDecodesIdentically(int lineNumber)
    {
        var (text, ids, decoded) = ReferenceLines()[lineNumber];
        Assert.Equal(ids, Tokenizer.EncodeWords(text));
        Assert.Equal(decoded, Tokenizer.Decode(ids));
    }

    /// <summary>Expected ids come from CLIP's Python algorithm (without ftfy) run on these texts.</summary>
    [Theory]
    [InlineData("\u039F\u0394\u039F\u03A3 \u03A3\u039F\u03A6\u039F\u03A3. \u03A3", "\u03BF\u03B4\u03BF\u03C2 \u03C3\u03BF\u03C6\u03BF\u03C2. \u03C3", "138 123 138 112 138 123 139 480 139 225 138 123 139 228 138 123 139 480 269 139 481")]
    [InlineData("\u0130stanbul D\u0130YARBAKIR", "i\u0307stanbul di\u0307yarbakir", "328 16384 11231 1618 16384 6786 4059 742")]
    [InlineData("&amp;amp; &lt;b&gt; &ampfoo &AMP; &#x41;&#66; &#128;&#0;&#x110000; &copy2 &nbsp;x &hellip; &notit; &notin; &#xD800; &#1; &bogus;", "& <b> &foo & ab \u20AC\uFFFD\uFFFD \u00A92 x \u2026 \u00ACit; \u2209 \uFFFD &bogus;", "261 283 321 285 261 23435 261 3937 34919 47356 39802 5811 273 343 959 126 361 585 282 17788 487 39802 261 42907 282")]
    [InlineData("a\u001Cb\u00A0c\u3000d", "a b c d", "320 321 322 323")]
    [InlineData("\U0001D400\U0001D401c \U00020000x \U0001F389\U0001F389", "\U0001D400\U0001D401c \U00020000x \U0001F389\U0001F389", "15889 222 15889 223 322 172 254 222 222 343 13450")]
    [InlineData("!<|endoftext|> <|startoftext|>hi", "!<|endoftext|> <|startoftext|>hi", "0 27 347 40786 4160 91 285 49406 1883")]
    [InlineData("it''s rock'n'roll 'S", "it''s rock'n'roll 's", "585 8445 338 2172 262 333 262 3341 568")]
    [InlineData("x\u2163\u00BD99 \u0663\u0664", "x\u2173\u00BD99 \u0663\u0664", "343 158 227 367 33613 280 280 149 352 149 353")]
    [InlineData("e\u0301t\u00E9 \u00C5ngstr\u00F6m", "e\u0301t\u00E9 \u00E5ngstr\u00F6m", "324 136 479 39694 23176 10352 807 7255 332")]
    [InlineData("!?!?... ...!!", "!?!?... ...!!", "0 9785 22641 39915")]
    [InlineData("hello\u00ADworld caf\u00E9\u200B", "hello\u00ADworld caf\u00E9\u200B", "3306 22618 1002 15304 9844")]
    [InlineData("'\u017Ftop", "'\u017Ftop", "6 129 379 1253")]
    public void EdgeCasesMatchThePythonReference(string text, string cleaned, string ids)
    {
        Assert.Equal(cleaned, ClipTextCleaner.Clean(text));
        Assert.Equal(ids.Split(' ').Select(int.Parse), Tokenizer.EncodeWords(text));
    }

    [Fact]
    public void EncodeForModelFramesAndPads()
    {
        var row = Tokenizer.EncodeForModel("a photo of a cat", 76);
        Assert.Equal(76, row.Length);
        Assert.Equal(new long[] { 49406, 320, 1125, 539, 320, 2368, 49407 }, row[..7]);
        Assert.All(row[7..], id => Assert.Equal(0L, id));
    }

    [Fact]
    public void EncodeForModelOfEmptyTextIsStartEndPad()
    {
        var row = Tokenizer.EncodeForModel("", 76);
        Assert.Equal(new long[] { 49406, 49407 }, row[..2]);
        Assert.All(row[2..], id => Assert.Equal(0L, id));
    }

    [Theory]
    [InlineData(74, 74)]
    [InlineData(75, 74)]
    [InlineData(500, 74)]
    public void LongTextIsTruncatedKeepingTheEndIdLast(int words, int kept)
    {
        var text = string.Join(' ', Enumerable.Repeat("a", words));
        var row = Tokenizer.EncodeForModel(text, 76);
        Assert.Equal(76, row.Length);
        Assert.Equal(49406L, row[0]);
        Assert.All(row[1..(kept + 1)], id => Assert.Equal(320L, id));
        Assert.Equal(49407L, row[kept + 1]);
        Assert.Equal(49407L, row[^1]);
        Assert.DoesNotContain(0L, row);
    }

    [Fact]
    public void EncodeForModelRejectsAContextTooShortForStartAndEnd()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Tokenizer.EncodeForModel("a", 1));
        Assert.Equal(new long[] { 49406, 49407 }, Tokenizer.EncodeForModel("a photo", 2));
    }

    [Fact]
    public void DecodeSkipsStartEndAndPadIds()
    {
        Assert.Equal("a photo ", Tokenizer.Decode([49406, 320, 1125, 49407, 0, 0]));
        // Pad id 0 is also the byte symbol "!" (as in CLIP), so a real "!" that BPE leaves unmerged is dropped too.
        Assert.Equal(new[] { 0, 9785, 22641 }, Tokenizer.EncodeWords("!?!?..."));
        Assert.Equal("?!?... ", Tokenizer.Decode(Tokenizer.EncodeWords("!?!?...")));
    }

    [Fact]
    public void DecodeRejectsIdsOutsideTheVocabulary()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Tokenizer.Decode([49408]));
        Assert.Throws<ArgumentOutOfRangeException>(() => Tokenizer.Decode([-1]));
    }

    [Fact]
    public void ConcurrentEncodingAgreesWithSequentialEncoding()
    {
        var texts = ReferenceLines().Select(l => l.Text).ToArray();
        var fresh = ClipBpeTokenizer.Load(MergesPath);
        var expected = texts.Select(t => Tokenizer.EncodeWords(t).ToArray()).ToArray();
        var results = new int[texts.Length * 8][];
        Parallel.For(0, results.Length, i => results[i] = fresh.EncodeWords(texts[i % texts.Length]).ToArray());
        for (int i = 0; i < results.Length; i++)
        {
            Assert.Equal(expected[i % texts.Length], results[i]);
        }
    }

    [Fact]
    public void MissingFileIsReportedClearly()
    {
        var path = Path.Combine(Path.GetTempPath(), "vcp-no-such-" + Guid.NewGuid().ToString("N") + ".txt.gz");
        var error = Assert.Throws<FileNotFoundException>(() => ClipBpeTokenizer.Load(path));
        Assert.Contains(path, error.Message);
    }

    [Theory]
    [InlineData("plain-junk", "not a '#version' header")]
    [InlineData("short", "fewer than the 48894 merges")]
    [InlineData("bad-line", "line 3 is 'a b c', not two space-separated symbols")]
    [InlineData("not-utf8", "cannot be read as gzip or UTF-8 text")]
    [InlineData("bad-gzip", "cannot be read as gzip or UTF-8 text")]
    public void NonMergesFileIsRejected(string kind, string expected)
    {
        var path = Path.Combine(Path.GetTempPath(), "vcp-merges-" + Guid.NewGuid().ToString("N"));
        try
        {
            switch (kind)
            {
                case "plain-junk":
                    File.WriteAllText(path, "hello world\n");
                    break;
                case "short":
                    WriteGzip(path, "#version: 0.2\ni n\nt h\n");
                    break;
                case "bad-line":
                    WriteGzip(path, "#version: 0.2\ni n\na b c\n" + string.Concat(Enumerable.Repeat("t h\n", 49000)));
                    break;
                case "not-utf8":
                    File.WriteAllBytes(path, [0xFF, 0xFE, 0x80, 0x81]);
                    break;
                case "bad-gzip":
                    File.WriteAllBytes(path, [0x1F, 0x8B, 0x00, 0x01, 0x02]);
                    break;
            }
            var error = Assert.Throws<InvalidDataException>(() => ClipBpeTokenizer.Load(path));
            Assert.Contains("is not a CLIP BPE merges file", error.Message);
            Assert.Contains(expected, error.Message);
            Assert.Contains(path, error.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static void WriteGzip(string path, string text)
    {
        using var file = File.Create(path);
        using var gzip = new GZipStream(file, CompressionLevel.Fastest);
        gzip.Write(Encoding.UTF8.GetBytes(text));
    }
}
