using System.Text.Json;
using System.Text.Json.Nodes;
using VideoCoca.Tokenization;

namespace VideoCoca.Checkpoints;

/// <summary>
/// A model folder's <c>tokenizer.json</c>: either a word tokenizer with its vocabulary
/// (<c>{"type": "word", "vocabulary": [...]}</c>) or a pointer to CLIP's BPE merges file
/// (<c>{"type": "clip-bpe", "path": "bpe_simple_vocab_16e6.txt.gz"}</c>, a relative path read from the folder).
/// </summary>
public static class TokenizerFiles
{
    public const string WordType = "word";
    public const string ClipBpeType = "clip-bpe";

    /// <summary>
    /// The folder's tokenizer; with <paramref name="bpePath"/> the CLIP BPE tokenizer read from that file instead
    /// (for a folder holding open_clip weights without a tokenizer.json, or to point at another copy of the vocabulary).
    /// </summary>
    public static ITextTokenizer Load(string folder, string? bpePath = null)
    {
        if (bpePath is not null) return LoadClipBpe(bpePath);
        var path = Path.Combine(folder, ModelCheckpoint.TokenizerFile);
        if (!File.Exists(path))
            throw new UserInputException($"{folder} has no {ModelCheckpoint.TokenizerFile}; for open_clip weights give the CLIP vocabulary with --bpe FILE");
        var json = File.ReadAllText(path);
        string? type;
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(json);
            type = root?["type"]?.GetValue<string>();
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            throw new UserInputException($"{path} is not a tokenizer file: {e.Message}");
        }
        switch (type)
        {
            case WordType:
                try { return WordTokenizer.FromJson(json); }
                catch (Exception e) when (e is JsonException or InvalidDataException) { throw new UserInputException($"{path}: {e.Message}"); }
            case ClipBpeType:
                string? merges;
                try { merges = root?["path"]?.GetValue<string>(); }
                catch (Exception e) when (e is InvalidOperationException or FormatException) { merges = null; }
                if (string.IsNullOrWhiteSpace(merges))
                    throw new UserInputException($"{path}: a clip-bpe tokenizer needs a \"path\" to the BPE merges file");
                return LoadClipBpe(Path.IsPathRooted(merges) ? merges : Path.Combine(folder, merges));
            default:
                throw new UserInputException($"{path}: unknown tokenizer type '{type}' (known: {WordType}, {ClipBpeType})");
        }
    }

    /// <summary>Writes the folder's tokenizer.json; a CLIP BPE file inside the folder is named relative to it.</summary>
    public static void Save(string folder, ITextTokenizer tokenizer)
    {
        var path = Path.Combine(folder, ModelCheckpoint.TokenizerFile);
        switch (tokenizer)
        {
            case WordTokenizer word:
                File.WriteAllText(path, word.ToJson());
                break;
            case ClipBpeTokenizer clip:
                var relative = Path.GetRelativePath(Path.GetFullPath(folder), clip.SourcePath);
                var named = relative.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(relative) ? clip.SourcePath : relative;
                File.WriteAllText(path, ClipBpeJson(named));
                break;
            default:
                throw new ArgumentException($"a {tokenizer.GetType().Name} cannot be saved in a model folder", nameof(tokenizer));
        }
    }

    public static string ClipBpeJson(string mergesPath) =>
        new JsonObject { ["type"] = ClipBpeType, ["path"] = mergesPath }.ToJsonString(new JsonSerializerOptions { WriteIndented = true });

    /// <summary>CLIP's BPE tokenizer from its merges file, any failure a one-line user error.</summary>
    public static ClipBpeTokenizer LoadClipBpe(string mergesPath)
    {
        try { return ClipBpeTokenizer.Load(mergesPath); }
        catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            throw new UserInputException(e.Message, e);
        }
    }
}
