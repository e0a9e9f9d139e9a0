using System.Text.Json;
using System.Text.Json.Serialization;
using VideoCoca.World;
using VideoCoca.World.EditionTwo;

namespace VideoCoca.Inference;

/// <summary>
/// An action label and the prompts (whole captions) whose probability mass is its confidence; optionally the words a
/// caption of the model's states it in ("moves left"), which ground the label in the model's own caption
/// (<see cref="StatedLabels"/>).
/// </summary>
public sealed record ActionLabel(
    [property: JsonPropertyName("label")] string Label,
    [property: JsonPropertyName("prompts")] IReadOnlyList<string> Prompts,
    [property: JsonPropertyName("stated_as"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<string>? StatedAs = null);

/// <summary>What a model classifies clips into and which questions it answers by default; saved beside the weights.</summary>
public sealed record LabelSet(
    [property: JsonPropertyName("actions")] IReadOnlyList<ActionLabel> Actions,
    [property: JsonPropertyName("questions")] IReadOnlyList<string> Questions)
{
    /// <summary>The shapes world's edition the model learnt (1 or 2), or null for a model of another task; older label files have none and are the first's.</summary>
    [JsonPropertyName("world")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? WorldEdition { get; init; }

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    /// <summary>The shapes world's five actions, each ensembled over every appearance of the square, and its three questions.</summary>
    public static LabelSet World() => new(
        WorldVocabulary.ActionPrompts().Select(a => new ActionLabel(a.Label, a.Prompts)).ToList(),
        WorldVocabulary.Questions);

    /// <summary>The second world's five actions, each ensembled over the three shapes, and the questions every clip has an answer to.</summary>
    public static LabelSet SecondWorld() => new(
        Edition2Vocabulary.ActionPrompts().Select(a => new ActionLabel(a.Label, a.Prompts, [Edition2Vocabulary.StatedAction(a.Label)])).ToList(),
        Edition2Vocabulary.DefaultQuestions) { WorldEdition = 2 };

    /// <summary>The action whose label is <paramref name="label"/> (ignoring case and surrounding spaces), or null.</summary>
    public ActionLabel? Find(string label)
    {
        ArgumentNullException.ThrowIfNull(label);
        var wanted = label.Trim();
        return Actions.FirstOrDefault(a => string.Equals(a.Label, wanted, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>
    /// The prompts a label is scored by: a known action's own prompts, and for any other label its text alone, so that
    /// a label asked for later is scored by the same rule as the labels stored at upload.
    /// </summary>
    public IReadOnlyList<string> PromptsFor(string label) => Find(label)?.Prompts ?? [label.Trim()];

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static LabelSet FromJson(string json)
    {
        LabelSet? set;
        try { set = JsonSerializer.Deserialize<LabelSet>(json, Json); }
        catch (JsonException e) { throw new UserInputException($"label set is not valid JSON: {e.Message}"); }
        if (set?.Actions is null || set.Actions.Count == 0 || set.Actions.Any(a => a.Prompts is null || a.Prompts.Count == 0))
            throw new UserInputException("label set needs at least one action, each with at least one prompt");
        return set with { Questions = set.Questions ?? [] };
    }
}
