namespace VideoCoca.World.EditionTwo;

/// <summary>
/// A second-edition labelled set (shared/world-v2.md, "A labelled set on disk"): a folder of clips, its labels.jsonl
/// and, when the set has one, its queries.jsonl.
/// </summary>
public sealed record Edition2LabelledSet(string Folder, IReadOnlyList<Edition2Label> Labels, IReadOnlyList<Edition2QueryLabel>? Queries)
{
    public const string QueriesFile = "queries.jsonl";

    public static Edition2LabelledSet Load(string folder)
    {
        var labels = JsonLines.Read<Edition2Label>(LabelledSet.LabelsPathIn(folder), ProblemOf, "labels");
        var queriesPath = Path.Combine(folder, QueriesFile);
        if (!File.Exists(queriesPath)) return new Edition2LabelledSet(folder, labels, null);
        var files = labels.Select(l => l.File).ToHashSet(StringComparer.Ordinal);
        var queries = JsonLines.Read<Edition2QueryLabel>(queriesPath, query =>
            query is null || string.IsNullOrEmpty(query.Query) || query.Files is null || query.Files.Any(string.IsNullOrEmpty)
                ? "needs query and files (the files of the set that match it)"
                : query.Files.FirstOrDefault(f => !files.Contains(f)) is { } unknown
                    ? $"{unknown} is not a file of {LabelledSet.LabelsFile}"
                    : null, "queries");
        return new Edition2LabelledSet(folder, labels, queries);
    }

    public string PathOf(Edition2Label label) => Path.Combine(Folder, label.File);

    /// <summary>The set's search queries: its queries.jsonl, or else every query of the world that one of its clips matches.</summary>
    public IReadOnlyList<Edition2QueryLabel> SearchQueries => Queries ?? Edition2QueryLabel.Matching(Labels);

    private static string? ProblemOf(Edition2Label? label)
    {
        const string needs = "needs file, caption, objects (each with shape, color, size and motion), actions and qa (each with question and answer)";
        if (label is null || string.IsNullOrEmpty(label.File) || string.IsNullOrEmpty(label.Caption)
            || label.Objects is null || label.Actions is null || label.Qa is null) return needs;
        if (label.Objects.Any(o => o is null || string.IsNullOrEmpty(o.Shape) || string.IsNullOrEmpty(o.Color)
                || string.IsNullOrEmpty(o.Size) || string.IsNullOrEmpty(o.Motion))
            || label.Qa.Any(q => q is null || string.IsNullOrEmpty(q.Question) || string.IsNullOrEmpty(q.Answer))
            || label.Actions.Any(string.IsNullOrEmpty)) return needs;
        if (label.Objects.Count is < 1 or > 2) return $"a clip of this world has one or two objects, not {label.Objects.Count}";
        if (label.Actions.Count == 0) return "actions lists none: every clip has the action of each of its objects";
        return null;
    }
}
