namespace VideoCoca.Cli.Benchmarks;

/// <summary>
/// Unit vectors for the vector-index bench, seeded so that every run indexes the same set. <c>clustered</c> draws each
/// vector around one of many random centres (as real clip embeddings gather by content, and as the world's clips share
/// captions); <c>uniform</c> draws them uniformly on the sphere, the hardest case for an approximate index, since in
/// high dimension all distances are nearly the same there.
/// </summary>
public sealed class SyntheticEmbeddings
{
    /// <summary>How far a clustered vector strays from its centre: the noise's length relative to the centre's (cosine to it about 0.78).</summary>
    private const double Spread = 0.8;

    private readonly int _dimension;
    private readonly bool _clustered;
    private readonly float[][] _centres;

    public SyntheticEmbeddings(int dimension, string distribution, int clusters, int seed)
    {
        _dimension = dimension;
        _clustered = distribution switch
        {
            "clustered" => true,
            "uniform" => false,
            _ => throw new ArgumentException($"unknown distribution '{distribution}'", nameof(distribution)),
        };
        var random = new Random(seed);
        _centres = _clustered ? Enumerable.Range(0, clusters).Select(_ => Normalised(Gaussian(random, 1.0))).ToArray() : [];
    }

    /// <summary>The next vector of the stream <paramref name="random"/> drives.</summary>
    public float[] Next(Random random)
    {
        if (!_clustered) return Normalised(Gaussian(random, 1.0));
        var centre = _centres[random.Next(_centres.Length)];
        var noise = Gaussian(random, Spread / Math.Sqrt(_dimension));
        for (var i = 0; i < noise.Length; i++) noise[i] += centre[i];
        return Normalised(noise);
    }

    private float[] Gaussian(Random random, double sigma)
    {
        var values = new float[_dimension];
        for (var i = 0; i < values.Length; i += 2)
        {
            // Box-Muller: two independent normals from two uniforms.
            var radius = Math.Sqrt(-2.0 * Math.Log(1.0 - random.NextDouble())) * sigma;
            var angle = 2.0 * Math.PI * random.NextDouble();
            values[i] = (float)(radius * Math.Cos(angle));
            if (i + 1 < values.Length) values[i + 1] = (float)(radius * Math.Sin(angle));
        }
        return values;
    }

    private static float[] Normalised(float[] values)
    {
        var norm = Math.Sqrt(values.Sum(v => (double)v * v));
        for (var i = 0; i < values.Length; i++) values[i] = (float)(values[i] / norm);
        return values;
    }
}
