using System.Text.Json.Serialization;

namespace VideoCoca.World.EditionTwo;

/// <summary>One object of a second-edition scene: a shape of a colour and size, its box's top-left corner in the first frame, and how it moves.</summary>
public sealed record Edition2Object(string Shape, string Color, string Size, string Motion, double StartX, double StartY)
{
    /// <summary>"a small red circle moves left": the object's part of a caption.</summary>
    public string Phrase => Edition2Vocabulary.Phrase(Shape, Color, Size, Motion);

    public string Action => WorldVocabulary.Action(Motion);
}

/// <summary>A scene of the second edition (shared/world-v2.md): one or two objects on a background, in caption order (leftmost box first, drawn first).</summary>
public sealed record Edition2Scene(string Background, IReadOnlyList<Edition2Object> Objects)
{
    public string Caption => string.Join(" and ", Objects.Select(o => o.Phrase));

    /// <summary>The clip's distinct actions, in the order of <see cref="WorldVocabulary.Actions"/>.</summary>
    public IReadOnlyList<string> Actions =>
        WorldVocabulary.Actions.Where(a => Objects.Any(o => o.Action == a)).ToList();

    public IReadOnlyList<Edition2Question> Questions => Edition2Vocabulary.QuestionsAbout(this);

    public bool HasWithheldCombination => Objects.Any(o => Edition2Vocabulary.IsWithheld(o, Background));
}

/// <summary>A question about a clip with its answer and its form (count, color, shape, motion, size).</summary>
public sealed record Edition2Question(
    [property: JsonPropertyName("question")] string Question,
    [property: JsonPropertyName("answer")] string Answer,
    [property: JsonPropertyName("form"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Form = null);

/// <summary>An object as a labels.jsonl line lists it.</summary>
public sealed record Edition2ObjectLabel(
    [property: JsonPropertyName("shape")] string Shape,
    [property: JsonPropertyName("color")] string Color,
    [property: JsonPropertyName("size")] string Size,
    [property: JsonPropertyName("motion")] string Motion);

/// <summary>A line of a second-edition set's labels.jsonl (shared/world-v2.md, "A labelled set on disk").</summary>
public sealed record Edition2Label(
    [property: JsonPropertyName("file")] string File,
    [property: JsonPropertyName("caption")] string Caption,
    [property: JsonPropertyName("objects")] IReadOnlyList<Edition2ObjectLabel> Objects,
    [property: JsonPropertyName("actions")] IReadOnlyList<string> Actions,
    [property: JsonPropertyName("qa")] IReadOnlyList<Edition2Question> Qa,
    [property: JsonPropertyName("background")] string Background,
    [property: JsonPropertyName("width")] int Width,
    [property: JsonPropertyName("height")] int Height,
    [property: JsonPropertyName("seconds")] double Seconds)
{
    public static Edition2Label Of(string file, Edition2Scene scene, ClipGeometry geometry) => new(
        file, scene.Caption,
        scene.Objects.Select(o => new Edition2ObjectLabel(o.Shape, o.Color, o.Size, o.Motion)).ToList(),
        scene.Actions,
        scene.Questions.Select(q => q with { Form = null }).ToList(),
        scene.Background, geometry.Width, geometry.Height, geometry.Duration);

    /// <summary>The scene these labels describe (positions unknown: zero), for rules that need only attributes.</summary>
    /// <remarks>Not written: a labels.jsonl line is the spec's layout, not this property as well.</remarks>
    [JsonIgnore]
    public Edition2Scene Scene => new(Background, Objects.Select(o => new Edition2Object(o.Shape, o.Color, o.Size, o.Motion, 0, 0)).ToList());
}

/// <summary>A line of queries.jsonl: a search query and every file of the set that matches it.</summary>
public sealed record Edition2QueryLabel(
    [property: JsonPropertyName("query")] string Query,
    [property: JsonPropertyName("files")] IReadOnlyList<string> Files)
{
    /// <summary>Each of <see cref="Edition2Vocabulary.Queries"/> that at least one of the labelled clips matches, with the files that do.</summary>
    public static IReadOnlyList<Edition2QueryLabel> Matching(IReadOnlyList<Edition2Label> labels) =>
        Edition2Vocabulary.Queries
            .Select(q => new Edition2QueryLabel(q.Text, labels.Where(l => q.Matches(l.Scene)).Select(l => l.File).ToList()))
            .Where(q => q.Files.Count > 0)
            .ToList();
}
