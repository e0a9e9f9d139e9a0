using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using VideoCoca.Cli.Benchmarks;
using VideoCoca.Cli.Console;
using VideoCoca.Configuration;
using static TorchSharp.torch;

namespace VideoCoca.Cli.Commands;

/// <summary>
/// <c>vcp bench matmul</c>: the matrix products of a cached decode step of a named model size, in the step's two
/// possible layouts, warm and cold, beside the matmul peak and the memory stream (<see cref="MatmulSweep"/>).
/// </summary>
public static class MatmulBenchCommand
{
    public static Command Create()
    {
        var size = new Option<string>("--size") { Description = $"model size whose decoder matrices are swept: {string.Join(", ", ModelSizes.Names)}", DefaultValueFactory = _ => ModelSizes.CocaViTB32 };
        var rows = new Option<string>("--rows") { Description = "rows a product, comma-separated (a decode step has the batch's clips times their texts)", DefaultValueFactory = _ => "8,32,128" };
        var bf16 = new Option<bool>("--bf16") { Description = "also every product in bfloat16" };
        var repeats = new Option<int>("--repeats") { Description = "timed sweeps per product (the median is printed), after one untimed sweep", DefaultValueFactory = _ => 3 };
        var threads = new Option<int>("--threads") { Description = "torch threads", DefaultValueFactory = _ => Environment.ProcessorCount };
        var json = new Option<bool>("--json") { Description = "print the figures as one JSON object instead of a table" };
        var command = new Command("matmul", "a decode step's matrix products in the model's own [out, in] layout and as [in, out] copies, warm and cold, beside the matmul peak and memory bandwidth")
        {
            size, rows, bf16, repeats, threads, json,
        };
        command.SetGuardedAction((parse, _) =>
        {
            var name = parse.GetValue(size)!;
            if (!ModelSizes.Names.Contains(name)) throw new UserInputException($"--size must be one of {string.Join(", ", ModelSizes.Names)}, not '{name}'");
            var rowCounts = ParseRows(parse.GetValue(rows)!);
            var repeatCount = parse.GetValue(repeats);
            if (repeatCount < 1) throw new UserInputException("--repeats must be at least 1");
            set_num_threads(Math.Max(1, parse.GetValue(threads)));
            manual_seed(1);
            var result = MatmulSweep.Run(ModelSizes.Get(name), rowCounts, parse.GetValue(bf16), repeatCount, line => System.Console.Error.WriteLine($"[bench] {line}"));
            if (parse.GetValue(json)) System.Console.WriteLine(JsonSerializer.Serialize(result, ModelBenchResult.Json));
            else Print(result);
            return Task.FromResult(0);
        });
        return command;
    }

    private static List<int> ParseRows(string text)
    {
        var parts = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var parsed = parts.Select(p => int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : 0).ToList();
        if (parsed.Count == 0 || parsed.Contains(0)) throw new UserInputException($"--rows must be positive whole numbers separated by commas, not '{text}'");
        return parsed;
    }

    private static void Print(MatmulSweepResult r)
    {
        var bf16Peak = r.PeakBFloat16Gflops is { } p ? $", {p:0.0} GFLOP/s in bfloat16" : "";
        System.Console.WriteLine($"decode-step products of {r.Model}, {r.Threads} torch threads; matmul peak {r.PeakGflops:0.0} GFLOP/s in float32{bf16Peak}; " +
                                 $"memory stream {r.StreamGBps:0.0} GB/s (a sum over 256 MB)");
        System.Console.WriteLine("warm: one matrix again and again (in the caches); cold: distinct matrices of 512 MB in all, each read once a sweep, as a decode step reads its weights");
        System.Console.WriteLine();
        var table = r.Rows
            .GroupBy(x => (x.Matrix, x.Out, x.In, x.Rows, x.Precision, x.Layout))
            .Select(g =>
            {
                var warm = g.Single(x => x.Weights == "warm");
                var cold = g.Single(x => x.Weights == "cold");
                return (IReadOnlyList<string>)
                [
                    $"{g.Key.Matrix} [{g.Key.Out}, {g.Key.In}]", g.Key.Rows.ToString(CultureInfo.InvariantCulture), g.Key.Precision, g.Key.Layout,
                    warm.Milliseconds.ToString("0.000", CultureInfo.InvariantCulture), warm.Gflops.ToString("0", CultureInfo.InvariantCulture),
                    cold.Milliseconds.ToString("0.000", CultureInfo.InvariantCulture), cold.Gflops.ToString("0", CultureInfo.InvariantCulture),
                    cold.WeightGBps.ToString("0.0", CultureInfo.InvariantCulture),
                ];
            }).ToList();
        MarkdownTable.Print(["matrix [out, in]", ">rows", "precision", "layout", ">warm ms", ">warm GFLOP/s", ">cold ms", ">cold GFLOP/s", ">cold weight GB/s"], table);
    }
}
