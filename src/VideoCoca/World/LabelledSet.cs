using System.Text.Json;

namespace VideoCoca.World;

/// <summary>A folder of clips with its labels.jsonl, as shared/world.md lays it out.</summary>
public sealed record LabelledSet(string Folder, IReadOnlyList<WorldLabel> Labels)
{
    public const string LabelsFile = "labels.jsonl";

    public static LabelledSet Load(string folder)
    {
        if (!Directory.Exists(folder)) throw new UserInputException($"no such folder: {folder}");
        var path = Path.Combine(folder, LabelsFile);
        if (!File.Exists(path)) throw new UserInputException($"{path} is missing: a labelled set needs one JSON object a line");
        var labels = new List<WorldLabel>();
        var lineNumber = 0;
        foreach (var line in File.ReadLines(path))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            WorldLabel? label;
            try { label = JsonSerializer.Deserialize<WorldLabel>(line); }
            catch (JsonException e) { throw new UserInputException($"{path}:{lineNumber}: not a JSON object ({e.Message})"); }
            if (label is null || string.IsNullOrEmpty(label.File) || string.IsNullOrEmpty(label.Caption) || string.IsNullOrEmpty(label.Motion)
                || string.IsNullOrEmpty(label.Color) || string.IsNullOrEmpty(label.Size) || string.IsNullOrEmpty(label.Action))
                throw new UserInputException($"{path}:{lineNumber}: needs file, caption, color, size, motion and action");
            labels.Add(label);
        }
        if (labels.Count == 0) throw new UserInputException($"{path} has no labels");
        return new LabelledSet(folder, labels);
    }

    public string PathOf(WorldLabel label) => Path.Combine(Folder, label.File);

    public static void Write(string folder, IEnumerable<WorldLabel> labels) =>
        File.WriteAllLines(Path.Combine(folder, LabelsFile), labels.Select(l => JsonSerializer.Serialize(l)));
}
