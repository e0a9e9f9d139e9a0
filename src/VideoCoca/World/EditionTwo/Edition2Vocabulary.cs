namespace VideoCoca.World.EditionTwo;

/// <summary>A search query of the second edition and the rule that says which scenes match it.</summary>
public sealed record Edition2Query(string Text, string Form, Func<Edition2Scene, bool> Matches);

/// <summary>What a second-edition model reads and says (shared/world-v2.md): captions, questions by form, search queries, and the combinations training never shows.</summary>
public static class Edition2Vocabulary
{
    public static readonly string[] Shapes = ["square", "circle", "triangle"];
    public static string[] Colors => WorldVocabulary.Colors;
    public static string[] Sizes => WorldVocabulary.Sizes;
    public static string[] Backgrounds => WorldVocabulary.Backgrounds;
    public static string[] Motions => WorldVocabulary.Motions;
    public static string[] Actions => WorldVocabulary.Actions;

    public const string CountQuestion = "how many shapes are there?";
    public const string None = "none";
    public const string Nowhere = "nowhere";

    /// <summary>The question forms QA accuracy is reported by.</summary>
    public static readonly string[] QuestionForms = ["count", "color", "shape", "motion", "size"];

    public static string ColorQuestion(string shape) => $"what color is the {shape}?";
    public static string ShapeQuestion(string color) => $"what shape is the {color} one?";
    public static string MotionQuestion(string color, string shape) => $"which way is the {color} {shape} moving?";
    public static string SizeQuestion(string color, string shape) => $"how big is the {color} {shape}?";

    /// <summary>
    /// The questions a platform asks of every clip by default: each has an answer whatever the clip shows (a shape no
    /// object has is "none"), unlike the questions that name an object.
    /// </summary>
    public static IReadOnlyList<string> DefaultQuestions { get; } = [CountQuestion, .. Shapes.Select(ColorQuestion)];

    public static string Phrase(string shape, string color, string size, string motion) => $"a {size} {color} {shape} {MotionPhrase(motion)}";

    /// <summary>How a caption says a motion: "moves left", "stays still".</summary>
    private static string MotionPhrase(string motion) => motion == "still" ? "stays still" : $"moves {motion}";

    /// <summary>How a caption states an action label: "moves left" for "moving left", "stays still" for "staying still".</summary>
    public static string StatedAction(string action) => MotionPhrase(Motions.Single(m => WorldVocabulary.Action(m) == action));

    public static string CountWord(int objects) => objects == 1 ? "one" : "two";

    /// <summary>
    /// Every question world-v2.md asks of a scene, with its answer: the count; the colour of each shape that exactly one
    /// object has ("none" for a shape no object has); the shape of each colour exactly one object has; each object's
    /// motion and size, named by its colour and shape.
    /// </summary>
    public static IReadOnlyList<Edition2Question> QuestionsAbout(Edition2Scene scene)
    {
        var objects = scene.Objects;
        var questions = new List<Edition2Question> { new(CountQuestion, CountWord(objects.Count), "count") };
        foreach (var shape in Shapes)
        {
            var having = objects.Where(o => o.Shape == shape).ToList();
            if (having.Count == 0) questions.Add(new(ColorQuestion(shape), None, "color"));
            else if (having.Count == 1) questions.Add(new(ColorQuestion(shape), having[0].Color, "color"));
        }
        foreach (var o in objects.Where(o => objects.Count(p => p.Color == o.Color) == 1))
            questions.Add(new(ShapeQuestion(o.Color), o.Shape, "shape"));
        foreach (var o in objects)
            questions.Add(new(MotionQuestion(o.Color, o.Shape), o.Motion == "still" ? Nowhere : o.Motion, "motion"));
        foreach (var o in objects)
            questions.Add(new(SizeQuestion(o.Color, o.Shape), o.Size, "size"));
        return questions;
    }

    /// <summary>The form of a question of this world, or null for one it never asks.</summary>
    public static string? FormOf(string question)
    {
        if (question == CountQuestion) return "count";
        if (question.StartsWith("what color is the ", StringComparison.Ordinal)) return "color";
        if (question.StartsWith("what shape is the ", StringComparison.Ordinal)) return "shape";
        if (question.StartsWith("which way is the ", StringComparison.Ordinal)) return "motion";
        if (question.StartsWith("how big is the ", StringComparison.Ordinal)) return "size";
        return null;
    }

    /// <summary>The combinations no training set contains: a green triangle, a blue circle moving up, a large white circle on gray.</summary>
    public static bool IsWithheld(Edition2Object o, string background) =>
        (o.Shape == "triangle" && o.Color == "green")
        || (o.Shape == "circle" && o.Color == "blue" && o.Motion == "up")
        || (o.Shape == "circle" && o.Color == "white" && o.Size == "large" && background == "gray");

    /// <summary>Every search query of the forms world-v2.md lists, with its matching rule.</summary>
    public static IReadOnlyList<Edition2Query> Queries { get; } = BuildQueries();

    private static List<Edition2Query> BuildQueries()
    {
        var queries = new List<Edition2Query>();
        foreach (var color in Colors)
        foreach (var shape in Shapes)
            queries.Add(new($"a {color} {shape}", "color shape", s => s.Objects.Any(o => o.Color == color && o.Shape == shape)));
        foreach (var size in Sizes)
        foreach (var color in Colors)
        foreach (var shape in Shapes)
            queries.Add(new($"a {size} {color} {shape}", "size color shape", s => s.Objects.Any(o => o.Size == size && o.Color == color && o.Shape == shape)));
        foreach (var shape in Shapes)
        {
            foreach (var motion in Motions.Where(m => m != "still"))
                queries.Add(new($"a {shape} moving {motion}", "shape motion", s => s.Objects.Any(o => o.Shape == shape && o.Motion == motion)));
            queries.Add(new($"a {shape} staying still", "shape motion", s => s.Objects.Any(o => o.Shape == shape && o.Motion == "still")));
        }
        queries.Add(new("one shape", "count", s => s.Objects.Count == 1));
        queries.Add(new("two shapes", "count", s => s.Objects.Count == 2));
        return queries;
    }

    /// <summary>Action labels to classify with: each motion named with each shape, as search queries name them.</summary>
    public static IReadOnlyList<(string Label, IReadOnlyList<string> Prompts)> ActionPrompts() =>
        Motions.Select(m => (WorldVocabulary.Action(m),
            (IReadOnlyList<string>)Shapes.Select(s => m == "still" ? $"a {s} staying still" : $"a {s} moving {m}").ToList())).ToList();

    /// <summary>Every text a second-edition model reads or writes: its tokenizer's vocabulary comes from these.</summary>
    public static IEnumerable<string> AllTexts()
    {
        foreach (var shape in Shapes)
        foreach (var color in Colors)
        foreach (var size in Sizes)
        foreach (var motion in Motions)
            yield return Phrase(shape, color, size, motion) + " and";
        foreach (var query in Queries) yield return query.Text;
        yield return CountQuestion;
        foreach (var word in new[] { "one", "two", None, Nowhere }) yield return word;
        foreach (var shape in Shapes) yield return ColorQuestion(shape);
        foreach (var color in Colors) yield return ShapeQuestion(color);
        foreach (var shape in Shapes)
        foreach (var color in Colors)
        {
            yield return MotionQuestion(color, shape);
            yield return SizeQuestion(color, shape);
        }
        foreach (var action in Actions) yield return action;
    }
}
