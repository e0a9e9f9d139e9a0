namespace VideoCoca.Evaluation;

/// <summary>Retrieval figures from text-to-clip similarities (a row per text, a column per clip), apart from any model.</summary>
public static class RetrievalMetrics
{
    public const int PrecisionDepth = 10;

    /// <summary>The share of the texts whose most similar clip carries that text as its caption (the first clip of a tie).</summary>
    public static double TextToVideoR1(IReadOnlyList<string> captions, float[][] similarity, IReadOnlyList<string> clipCaptions)
    {
        var hits = captions.Where((caption, t) => clipCaptions[ArgMax(similarity[t])] == caption).Count();
        return (double)hits / captions.Count;
    }

    /// <summary>
    /// The share of the <paramref name="depth"/> most similar clips that are relevant, out of the relevant clips when
    /// there are fewer than that, so that a perfect ranking scores 1; null when no clip is relevant.
    /// </summary>
    public static double? PrecisionAtDepth(float[] scores, IReadOnlyList<bool> relevant, int depth = PrecisionDepth)
    {
        var existing = relevant.Count(r => r);
        if (existing == 0) return null;
        // A stable order: of clips scored alike, the earlier ranks first.
        var top = Enumerable.Range(0, scores.Length).OrderByDescending(i => scores[i]).Take(depth);
        return (double)top.Count(i => relevant[i]) / Math.Min(depth, existing);
    }

    private static int ArgMax(float[] values)
    {
        var best = 0;
        for (var i = 1; i < values.Length; i++)
        {
            if (values[i] > values[best]) best = i;
        }
        return best;
    }
}
