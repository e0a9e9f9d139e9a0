using System.Diagnostics;
using VideoCoca.Configuration;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace VideoCoca.Cli.Benchmarks;

/// <summary>One matrix product of a decode step, timed one way.</summary>
public sealed record MatmulSweepRow(
    string Matrix, long Out, long In, int Rows, string Precision, string Layout, string Weights, double Milliseconds, double Gflops, double WeightGBps);

public sealed record MatmulSweepResult(
    string Model, int Threads, double PeakGflops, double? PeakBFloat16Gflops, double StreamGBps, IReadOnlyList<MatmulSweepRow> Rows);

/// <summary>
/// The products a cached decode step makes, each a few dozen rows times one of the text tower's or the decoder's
/// matrices (with its bias), through <c>F.linear</c> in the two layouts a step can keep: the model's own [out, in]
/// weights, and an [in, out] copy. Each is timed warm (one matrix, again and again: it stays in the caches) and cold
/// (distinct matrices adding up to more than the last-level cache, each read once a sweep, as a real step reads
/// every weight once). Beside them: the machine's matrix-multiply peak and the rate at which it streams memory (a sum
/// over 256 MB), the two bounds of a step. This is what chose the step layout of <c>CpuStepWeights</c>.
/// </summary>
public static class MatmulSweep
{
    private const long ColdBytes = 512L * 1024 * 1024;
    private const long StreamElements = 64L * 1024 * 1024;

    public static MatmulSweepResult Run(ModelConfig config, IReadOnlyList<int> rows, bool bfloat16, int repeats, Action<string> progress)
    {
        var width = config.Multimodal.Width;
        var text = config.Text.Width;
        var matrices = new List<(string Name, long Out, long In)>
        {
            ("MLP in (c_fc)", (long)(text * config.Text.MlpRatio), text),
            ("MLP out (c_proj)", text, (long)(text * config.Text.MlpRatio)),
            ("q, k, v", 3L * width, width),
            ("attention out", width, width),
            ("vocabulary", config.Text.VocabularySize, width),
        };
        var types = bfloat16 ? new[] { ScalarType.Float32, ScalarType.BFloat16 } : new[] { ScalarType.Float32 };
        var results = new List<MatmulSweepRow>();
        foreach (var type in types)
        {
            foreach (var (name, outputs, inputs) in matrices)
            {
                progress($"{name} [{outputs}, {inputs}], {Name(type)}");
                using var scope = NewDisposeScope();
                var bytes = outputs * inputs * (type == ScalarType.BFloat16 ? 2 : 4);
                var count = (int)Math.Clamp(ColdBytes / bytes, 2, 256);
                var own = Enumerable.Range(0, count).Select(_ => randn(outputs, inputs).to_type(type)).ToArray();
                var copies = own.Select(w => w.t().contiguous()).ToArray();
                var bias = randn(outputs).to_type(type);
                foreach (var rowCount in rows)
                {
                    var x = randn(rowCount, inputs).to_type(type);
                    foreach (var (layout, weights, transposed) in new[] { ("[out, in]", own, false), ("[in, out] copy", copies, true) })
                    {
                        Tensor Product(int i) => F.linear(x, transposed ? weights[i].t() : weights[i], bias);
                        var warm = Time(_ => Product(0), count, repeats);
                        var cold = Time(Product, count, repeats);
                        foreach (var (kind, ms) in new[] { ("warm", warm), ("cold", cold) })
                        {
                            results.Add(new MatmulSweepRow(name, outputs, inputs, rowCount, Name(type), layout, kind, ms,
                                2.0 * rowCount * outputs * inputs / ms / 1e6, bytes / ms / 1e6));
                        }
                    }
                }
            }
        }
        progress("matmul peak and memory stream");
        var peak = ModelBenchmark.MatmulPeakGflops(2);
        double? reducedPeak = bfloat16 ? ModelBenchmark.MatmulPeakGflops(2, ScalarType.BFloat16) : null;
        return new MatmulSweepResult(config.Name, get_num_threads(), peak, reducedPeak, StreamGBps(), results);
    }

    /// <summary>Milliseconds a product, the median of the repeats, each a sweep over the matrices after one untimed sweep.</summary>
    private static double Time(Func<int, Tensor> product, int count, int repeats)
    {
        void Sweep()
        {
            for (var i = 0; i < count; i++)
            {
                using var _ = NewDisposeScope();
                product(i);
            }
        }
        Sweep();
        var times = new List<double>();
        for (var r = 0; r < repeats; r++)
        {
            var clock = Stopwatch.StartNew();
            Sweep();
            times.Add(clock.Elapsed.TotalMilliseconds / count);
        }
        return Statistics.Median(times);
    }

    private static double StreamGBps()
    {
        using var scope = NewDisposeScope();
        var data = randn(StreamElements);
        data.sum();
        var times = new List<double>();
        for (var r = 0; r < 5; r++)
        {
            var clock = Stopwatch.StartNew();
            data.sum();
            times.Add(clock.Elapsed.TotalSeconds);
        }
        return StreamElements * 4 / Statistics.Median(times) / 1e9;
    }

    private static string Name(ScalarType type) => type == ScalarType.BFloat16 ? "bfloat16" : "float32";
}
