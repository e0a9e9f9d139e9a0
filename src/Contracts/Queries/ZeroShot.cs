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
}
