using System.Text.Json;

namespace VideoCoca.World;

/// <summary>A folder of clips with its labels.jsonl, as shared/world.md lays it out.</summary>
public sealed record LabelledSet(string Folder, IReadOnlyList<WorldLabel> Labels)
{
    public const string LabelsFile = "labels.jsonl";

    public static LabelledSet Load(string folder)
    {
        var labels = JsonLines.Read<WorldLabel>(LabelsPathIn(folder), label =>
            label is null || string.IsNullOrEmpty(label.File) || string.IsNullOrEmpty(label.Caption) || string.IsNullOrEmpty(label.Motion)
            || string.IsNullOrEmpty(label.Color) || string.IsNullOrEmpty(label.Size) || string.IsNullOrEmpty(label.Action)
                ? "needs file, caption, color, size, motion and action"
                : null, "labels");
        return new LabelledSet(folder, labels);
    }

    /// <summary>The labels file of a set's folder, refusing a folder or file that is not there.</summary>
    public static string LabelsPathIn(string folder)
    {
        if (!Directory.Exists(folder)) throw new UserInputException($"no such folder: {folder}");
        var path = Path.Combine(folder, LabelsFile);
        if (!File.Exists(path)) throw new UserInputException($"{path} is missing: a labelled set needs one JSON object a line");
        return path;
    }

    /// <summary>
    /// Which edition of the world a set's labels.jsonl describes, from its first line: 2 when it lists <c>objects</c>
    /// (shared/world-v2.md), else 1. A file it cannot read counts as the first edition's, whose loader then says what
    /// is wrong with it as it always has.
    /// </summary>
    public static int EditionOf(string folder)
    {
        var path = Path.Combine(folder, LabelsFile);
        if (!File.Exists(path)) return 1;
        var first = File.ReadLines(path).FirstOrDefault(l => !string.IsNullOrWhiteSpace(l));
        if (first is null) return 1;
        try
        {
            using var line = JsonDocument.Parse(first);
            return line.RootElement.ValueKind == JsonValueKind.Object && line.RootElement.TryGetProperty("objects", out _) ? 2 : 1;
        }
        catch (JsonException)
        {
            return 1;
        }
    }

    public string PathOf(WorldLabel label) => Path.Combine(Folder, label.File);

    public static void Write(string folder, IEnumerable<WorldLabel> labels) =>
        File.WriteAllLines(Path.Combine(folder, LabelsFile), labels.Select(l => JsonSerializer.Serialize(l)));
}
