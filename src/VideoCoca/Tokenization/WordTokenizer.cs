using System.Text.Json;
using System.Text.Json.Serialization;

namespace VideoCoca.Tokenization;

/// <summary>
/// A word-level tokenizer for small closed-vocabulary worlds: one id per word, punctuation split off, lower case.
/// A tiny model's vocabulary then fits in a few dozen ids instead of CLIP's 49,408. Saved with the checkpoint.
/// </summary>
public sealed class WordTokenizer : ITextTokenizer
{
    public const string PadToken = "<pad>";
    public const string StartToken = "<start>";
    public const string EndToken = "<end>";
    public const string UnknownToken = "<unk>";

    private readonly string[] _words;
    private readonly Dictionary<string, int> _ids;

    public WordTokenizer(IEnumerable<string> vocabulary)
    {
        var words = new List<string> { PadToken, StartToken, EndToken, UnknownToken };
        words.AddRange(vocabulary.Where(w => !words.Contains(w)).Distinct(StringComparer.Ordinal));
        _words = [.. words];
        _ids = _words.Select((w, i) => (w, i)).ToDictionary(p => p.w, p => p.i, StringComparer.Ordinal);
    }

    public int VocabularySize => _words.Length;
    public int PadId => 0;
    public int StartId => 1;
    public int EndId => 2;
    public int UnknownId => 3;
    public IReadOnlyList<string> Words => _words;

    /// <summary>A vocabulary holding every word of the texts given, in first-seen order.</summary>
    public static WordTokenizer FromTexts(IEnumerable<string> texts) =>
        new(texts.SelectMany(SplitWords));

    public IReadOnlyList<int> EncodeWords(string text) =>
        SplitWords(text).Select(w => _ids.GetValueOrDefault(w, UnknownId)).ToList();

    public string Decode(IEnumerable<int> ids)
    {
        var words = ids.Where(id => id != PadId && id != StartId && id != EndId)
            .Select(id => id >= 0 && id < _words.Length ? _words[id] : UnknownToken);
        return string.Join(' ', words).Replace(" ?", "?", StringComparison.Ordinal);
    }

    public static IEnumerable<string> SplitWords(string text) =>
        text.ToLowerInvariant().Replace("?", " ? ", StringComparison.Ordinal)
            .Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);

    public string ToJson() => JsonSerializer.Serialize(new TokenizerFile("word", [.. _words.Skip(4)]), FileJson);

    public static WordTokenizer FromJson(string json)
    {
        var file = JsonSerializer.Deserialize<TokenizerFile>(json, FileJson);
        if (file is null || file.Type != "word" || file.Vocabulary is null)
            throw new InvalidDataException("tokenizer.json is not a word tokenizer");
        return new WordTokenizer(file.Vocabulary);
    }

    private static readonly JsonSerializerOptions FileJson = new() { WriteIndented = true };

    private sealed record TokenizerFile(
        [property: JsonPropertyName("type")] string Type,
        [property: JsonPropertyName("vocabulary")] string[] Vocabulary);
}
