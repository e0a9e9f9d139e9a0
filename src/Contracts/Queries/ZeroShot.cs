namespace VideoCoca.Contracts.Queries;

/// <summary>
/// The model's zero-shot probabilities from cosine similarities, in one place for the gateway (which has cosines from
/// the stored clip embeddings) and for the library's tests (which check them against what the model stores at upload).
/// </summary>
public static class ZeroShot
{
    /// <summary>softmax(scale x cosine) over the given cosines.</summary>
    public static double[] Softmax(IReadOnlyList<double> cosines, double logitScale)
    {
        if (cosines.Count == 0) return [];
        var logits = cosines.Select(c => logitScale * c).ToArray();
        var max = logits.Max();
        var exps = logits.Select(l => Math.Exp(l - max)).ToArray();
        var sum = exps.Sum();
        return exps.Select(e => e / sum).ToArray();
    }

    /// <summary>
    /// Each label's confidence as the worker scores its own labels at upload: one softmax over the prompts of all
    /// labels together, and a label's confidence the sum of its prompts' probabilities (the labels' confidences add
    /// up to 1). A label with one prompt is scored as that text alone.
    /// </summary>
    /// <param name="promptCosines">Per label, the clip's cosine with each of its prompts (at least one each).</param>
    /// <param name="logitScale">The model's contrastive scale (exp of its learned temperature).</param>
    public static double[] PromptEnsembles(IReadOnlyList<IReadOnlyList<double>> promptCosines, double logitScale)
    {
        ArgumentNullException.ThrowIfNull(promptCosines);
        if (promptCosines.Any(p => p.Count == 0)) throw new ArgumentException("every label needs at least one prompt", nameof(promptCosines));
        var probabilities = Softmax(promptCosines.SelectMany(p => p).ToList(), logitScale);
        var confidences = new double[promptCosines.Count];
        var next = 0;
        for (var label = 0; label < promptCosines.Count; label++)
        {
            for (var prompt = 0; prompt < promptCosines[label].Count; prompt++) confidences[label] += probabilities[next++];
        }
        return confidences;
    }

    /// <summary>
    /// The confidences grounded in the clip's caption, as the worker grounds its model's labels at upload: the mean of
    /// the given distribution and the caption's (the labels whose words it states, shared equally). Unchanged when it
    /// states none of them.
    /// </summary>
    /// <param name="confidences">Each label's confidence, as <see cref="PromptEnsembles"/> gives them.</param>
    /// <param name="statedAs">Per label, the phrases a caption states it in, or null for a label not grounded.</param>
    /// <param name="caption">The clip's caption, as the model wrote it.</param>
    public static double[] CaptionGrounded(IReadOnlyList<double> confidences, IReadOnlyList<IReadOnlyList<string>?> statedAs, string caption)
    {
        ArgumentNullException.ThrowIfNull(caption);
        if (statedAs.Count != confidences.Count) throw new ArgumentException("one phrase list per label", nameof(statedAs));
        var words = Padded(caption);
        // A phrase of no words states nothing (its padding alone is two spaces).
        bool States(string phrase) => Padded(phrase) is { Length: > 2 } padded && words.Contains(padded, StringComparison.OrdinalIgnoreCase);
        var stated = statedAs.Select(p => p?.Any(States) == true).ToArray();
        var count = stated.Count(s => s);
        if (count == 0) return confidences.ToArray();
        return confidences.Select((c, i) => (1 - CaptionWeight) * c + CaptionWeight * (stated[i] ? 1.0 / count : 0)).ToArray();
    }

    // The text's words one space apart, with a space either side: a phrase is stated when its padded words occur in the caption's.
    private static string Padded(string text) => $" {string.Join(' ', text.Split(' ', StringSplitOptions.RemoveEmptyEntries))} ";

    /// <summary>The caption's share in a grounded label's confidence.</summary>
    public const double CaptionWeight = 0.5;
}
