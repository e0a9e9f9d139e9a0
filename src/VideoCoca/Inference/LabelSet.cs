using System.Text.Json;
using System.Text.Json.Serialization;
using VideoCoca.World;

namespace VideoCoca.Inference;

/// <summary>An action label and the prompts whose averaged text embedding stands for it.</summary>
public sealed record ActionLabel(
    [property: JsonPropertyName("label")] string Label,
    [property: JsonPropertyName("prompts")] IReadOnlyList<string> Prompts);

/// <summary>What a model classifies clips into and which questions it answers by default; saved beside the weights.</summary>
public sealed record LabelSet(
    [property: JsonPropertyName("actions")] IReadOnlyList<ActionLabel> Actions,
    [property: JsonPropertyName("questions")] IReadOnlyList<string> Questions)
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    /// <summary>The shapes world's five actions, each ensembled over every appearance of the square, and its three questions.</summary>
    public static LabelSet World() => new(
        WorldVocabulary.ActionPrompts().Select(a => new ActionLabel(a.Label, a.Prompts)).ToList(),
        WorldVocabulary.Questions);

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
