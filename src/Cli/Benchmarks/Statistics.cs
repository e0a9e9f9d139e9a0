namespace VideoCoca.Cli.Benchmarks;

public static class Statistics
{
    /// <summary>The middle value (the mean of the middle two for an even count): what the benches report of repeated runs.</summary>
    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        if (sorted.Count == 0) throw new ArgumentException("no values", nameof(values));
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }

    /// <summary>The nearest-rank percentile (<paramref name="fraction"/> 0.95 for p95): a value that was measured, never interpolated.</summary>
    public static double Percentile(IEnumerable<double> values, double fraction)
    {
        var sorted = values.Order().ToList();
        if (sorted.Count == 0) throw new ArgumentException("no values", nameof(values));
        var rank = (int)Math.Ceiling(fraction * sorted.Count);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Count - 1)];
    }
}
