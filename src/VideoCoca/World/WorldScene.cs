using System.Text.Json.Serialization;

namespace VideoCoca.World;

/// <summary>One scene of the shapes world (see shared/world.md): a square of a size and colour on a background, moving one way or staying still.</summary>
public sealed record WorldScene(string Size, string Color, string Background, string Motion, double StartX, double StartY)
{
    public string Caption => WorldVocabulary.Caption(Size, Color, Motion);
    public string Action => WorldVocabulary.Action(Motion);
}

/// <summary>A line of a labelled set's <c>labels.jsonl</c>.</summary>
public sealed record WorldLabel(
    [property: JsonPropertyName("file")] string File,
    [property: JsonPropertyName("caption")] string Caption,
    [property: JsonPropertyName("color")] string Color,
    [property: JsonPropertyName("size")] string Size,
    [property: JsonPropertyName("motion")] string Motion,
    [property: JsonPropertyName("action")] string Action);

/// <summary>The world's closed vocabulary: what a model must say about a clip.</summary>
public static class WorldVocabulary
{
    public static readonly string[] Sizes = ["small", "large"];
    public static readonly string[] Colors = ["red", "green", "blue", "yellow", "white"];
    public static readonly string[] Backgrounds = ["black", "gray"];
    public static readonly string[] Motions = ["left", "right", "up", "down", "still"];
    public static readonly string[] Actions = ["moving left", "moving right", "moving up", "moving down", "staying still"];

    public const string ColorQuestion = "what color is the square?";
    public const string MotionQuestion = "which way is the square moving?";
    public const string SizeQuestion = "how big is the square?";
    public static readonly string[] Questions = [ColorQuestion, MotionQuestion, SizeQuestion];

    public static readonly IReadOnlyDictionary<string, byte[]> ColorRgb = new Dictionary<string, byte[]>
    {
        ["red"] = [255, 0, 0], ["green"] = [0, 255, 0], ["blue"] = [0, 0, 255],
        ["yellow"] = [255, 255, 0], ["white"] = [255, 255, 255],
        ["black"] = [0, 0, 0], ["gray"] = [0x40, 0x40, 0x40],
    };

    public static string Caption(string size, string color, string motion) =>
        motion == "still" ? $"a {size} {color} square stays still" : $"a {size} {color} square moves {motion}";

    /// <summary>What a single frame shows: appearance only (the image pre-training stage's captions).</summary>
    public static string AppearanceCaption(string size, string color) => $"a {size} {color} square";

    /// <summary>The motion a clip shows when it is played backwards.</summary>
    public static string Reversed(string motion) => motion switch
    {
        "left" => "right", "right" => "left", "up" => "down", "down" => "up", "still" => "still",
        _ => throw new ArgumentException($"not a motion of this world: '{motion}'"),
    };

    public static string Action(string motion) => motion == "still" ? "staying still" : $"moving {motion}";

    public static string Answer(string question, string size, string color, string motion) => question switch
    {
        ColorQuestion => color,
        MotionQuestion => motion == "still" ? "nowhere" : motion,
        SizeQuestion => size,
        _ => throw new ArgumentException($"not a question of this world: '{question}'"),
    };

    /// <summary>Action label phrases to zero-shot classify with, each ensembled over every appearance the world has.</summary>
    public static IReadOnlyList<(string Label, IReadOnlyList<string> Prompts)> ActionPrompts() =>
        Motions.Select(m => (Action(m), (IReadOnlyList<string>)Sizes.SelectMany(s => Colors.Select(c => Caption(s, c, m))).ToList())).ToList();

    /// <summary>Every text a world model reads or writes: its tokenizer's vocabulary comes from these.</summary>
    public static IEnumerable<string> AllTexts()
    {
        foreach (var s in Sizes)
        foreach (var c in Colors)
        {
            yield return AppearanceCaption(s, c);
            foreach (var m in Motions) yield return Caption(s, c, m);
        }
        foreach (var q in Questions) yield return q;
        yield return "nowhere";
        foreach (var a in Actions) yield return a;
    }
}
