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
}
