namespace VideoCoca.Inference;

/// <summary>
/// Grounds action labels in the model's caption. A clip of several objects has several actions, and a softmax over
/// label prompts spreads its mass over the objects unevenly: the second object's action can rank below a wrong one. The
/// caption names every object's action and is the model's most exact output, so a label's confidence is the mean of
/// two distributions over the labels: the contrastive one and the caption's (the labels it states, shared equally). A
/// caption that states none of them leaves the contrastive confidences as they are. The gateway scores labels asked
/// after upload by the same rule (ZeroShot.CaptionGrounded in the contracts, checked against this one by the tests).
/// </summary>
public static class StatedLabels
{
    public const double CaptionWeight = 0.5;

    /// <summary>Does the label set ground any label in captions?</summary>
    public static bool Apply(IReadOnlyList<ActionLabel> actions) => actions.Any(a => a.StatedAs is { Count: > 0 });

    /// <param name="contrastive">Each action's contrastive confidence, in the order of <paramref name="actions"/>.</param>
    public static float[] Confidences(IReadOnlyList<ActionLabel> actions, ReadOnlySpan<float> contrastive, string caption)
    {
        var words = Padded(caption);
        // A phrase of no words states nothing (its padding alone is two spaces).
        bool States(string phrase) => Padded(phrase) is { Length: > 2 } padded && words.Contains(padded, StringComparison.OrdinalIgnoreCase);
        var stated = actions.Select(a => a.StatedAs?.Any(States) == true).ToArray();
        var count = stated.Count(s => s);
        var confidences = contrastive.ToArray();
        if (count == 0) return confidences;
        for (var i = 0; i < confidences.Length; i++)
            confidences[i] = (float)((1 - CaptionWeight) * confidences[i] + CaptionWeight * (stated[i] ? 1.0 / count : 0));
        return confidences;
    }

    /// <summary>The text's words one space apart, with a space either side: a phrase is stated when its padded words occur in the caption's.</summary>
    private static string Padded(string text) => $" {string.Join(' ', text.Split(' ', StringSplitOptions.RemoveEmptyEntries))} ";
}
