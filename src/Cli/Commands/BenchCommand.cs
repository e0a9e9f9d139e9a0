using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using VideoCoca.Checkpoints;
using VideoCoca.Cli.Benchmarks;
using VideoCoca.Cli.Console;
using VideoCoca.Configuration;
using VideoCoca.Modules;
using VideoCoca.Training;
using static TorchSharp.torch;

namespace VideoCoca.Cli.Commands;

/// <summary>
/// <c>vcp model bench</c>: a worker's model on this machine, full predicts through today's path and the path before it
/// in one run, beside the machine's own matrix-multiply peak; and <c>vcp model bench-load</c>, the load it measures in
/// a process of its own.
/// </summary>
public static class BenchCommand
{
    public static Command Create()
    {
        var model = new Option<DirectoryInfo?>("--model") { Description = "model folder (default: models/world-tiny, unless --size is given)" };
        var size = new Option<string?>("--size") { Description = $"random weights of a named size instead of a folder: {string.Join(", ", ModelSizes.Names)}" };
        var batches = new Option<string>("--batch") { Description = "batch sizes, comma-separated", DefaultValueFactory = _ => "8,32" };
        var tokens = new Option<int?>("--tokens") { Description = "tokens generated per text, the end token held off (fewer where a prompt leaves less of the context); default 30, or less when the context is shorter" };
        var path = new Option<string>("--path") { Description = "both, old (one generation per text, model initialised before loading) or new (one decode for all texts)", DefaultValueFactory = _ => "both" };
        var iterations = new Option<int>("--iterations") { Description = "timed predicts per batch size and path (the median is reported), after a warm-up with a batch of 1", DefaultValueFactory = _ => 1 };
        var threads = new Option<int>("--threads") { Description = "torch threads", DefaultValueFactory = _ => Environment.ProcessorCount };
        var seed = new Option<int>("--seed") { Description = "seed of the random weights and frames", DefaultValueFactory = _ => 1 };
        var peakSeconds = new Option<double>("--peak-seconds") { Description = "time spent measuring the matmul peak", DefaultValueFactory = _ => 3 };
        var training = new Option<bool>("--training") { Description = "also measure training steps (full tuning, batch 32)" };
        var json = new Option<bool>("--json") { Description = "print the figures as one JSON object instead of tables" };
        var bf16 = new Option<bool>("--bf16") { Description = "also the new path with the model in bfloat16 (several times faster on CPUs with AMX; texts may differ from float32's)" };
        var profile = new Option<bool>("--profile") { Description = "after the timed predicts, one more of the new path per batch size with each part of its decode timed" };
        var command = new Command("bench",
            "full-predict clips/s through today's path and the one before (one generation per text), load time and memory, share of a matmul peak measured in the same run")
        {
            model, size, batches, tokens, path, iterations, threads, seed, peakSeconds, training, json, profile, bf16,
        };
        command.SetGuardedAction((parse, cancellationToken) =>
        {
            var settings = Read(parse, model, size, batches, tokens, path, iterations, seed, peakSeconds) with { Profile = parse.GetValue(profile) };
            if (parse.GetValue(bf16)) settings = settings with { Paths = [.. settings.Paths, GenerationPath.NewBFloat16] };
            set_num_threads(Math.Max(1, parse.GetValue(threads)));
            var result = ModelBenchmark.Run(settings, line => System.Console.Error.WriteLine($"[bench] {line}"), cancellationToken);
            if (parse.GetValue(json)) System.Console.WriteLine(JsonSerializer.Serialize(result, ModelBenchResult.Json));
            else Print(result);
            if (parse.GetValue(training)) MeasureTraining(settings.ModelFolder ?? "models/world-tiny", settings.Size);
            return Task.FromResult(0);
        });
        return command;
    }

    /// <summary>Loads a model folder and prints the load's seconds and memory as JSON: what <c>vcp model bench</c> runs in a process of its own.</summary>
    public static Command CreateLoadProbe()
    {
        var model = new Option<DirectoryInfo>("--model") { Required = true, Description = "model folder" };
        var initialisation = new Option<string>("--initialisation") { Description = "none or random: how the model is made before its weights are read", DefaultValueFactory = _ => "none" };
        var command = new Command("bench-load", "load a model folder once and print the seconds and peak memory as JSON") { model, initialisation };
        command.Hidden = true;
        command.SetGuardedAction((parse, _) =>
        {
            var how = parse.GetValue(initialisation) switch
            {
                "none" => WeightInitialisation.None,
                "random" => WeightInitialisation.Random,
                var other => throw new UserInputException($"--initialisation must be none or random, not '{other}'"),
            };
            var measured = ModelBenchmark.MeasureLoad(parse.GetValue(model)!.FullName, how);
            System.Console.WriteLine(JsonSerializer.Serialize(measured, ModelBenchResult.Json));
            return Task.FromResult(0);
        });
        return command;
    }

    private static ModelBenchSettings Read(
        ParseResult parse, Option<DirectoryInfo?> model, Option<string?> size, Option<string> batches, Option<int?> tokens, Option<string> path,
        Option<int> iterations, Option<int> seed, Option<double> peakSeconds)
    {
        var folder = parse.GetValue(model)?.FullName;
        var sizeName = parse.GetValue(size);
        if (folder is not null && sizeName is not null) throw new UserInputException("give --model or --size, not both");
        if (sizeName is not null && !ModelSizes.Names.Contains(sizeName))
            throw new UserInputException($"--size must be one of {string.Join(", ", ModelSizes.Names)}, not '{sizeName}'");
        if (sizeName is null) folder ??= Path.GetFullPath("models/world-tiny");
        var config = folder is not null ? ModelCheckpoint.ReadConfig(folder) : ModelSizes.Get(sizeName!);

        var batchText = parse.GetValue(batches) ?? "";
        var batchSizes = new List<int>();
        foreach (var part in batchText.Split(',', StringSplitOptions.TrimEntries))
        {
            if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var batch) || batch < 1)
                throw new UserInputException($"--batch must be positive whole numbers separated by commas, e.g. 8,32, not '{batchText}'");
            batchSizes.Add(batch);
        }
        var tokenCount = parse.GetValue(tokens) ?? Math.Min(30, config.Text.ContextLength - 1);
        if (tokenCount < 1 || tokenCount >= config.Text.ContextLength)
            throw new UserInputException($"--tokens must be between 1 and {config.Text.ContextLength - 1} for {config.Name}");
        IReadOnlyList<GenerationPath> paths = parse.GetValue(path) switch
        {
            "both" => [GenerationPath.Old, GenerationPath.New],
            "old" => [GenerationPath.Old],
            "new" => [GenerationPath.New],
            var other => throw new UserInputException($"--path must be both, old or new, not '{other}'"),
        };
        var iterationCount = parse.GetValue(iterations);
        if (iterationCount < 1) throw new UserInputException("--iterations must be at least 1");
        var peak = parse.GetValue(peakSeconds);
        if (!(peak > 0)) throw new UserInputException("--peak-seconds must be more than 0");
        return new ModelBenchSettings(folder, folder is null ? sizeName : null, batchSizes, tokenCount, paths, iterationCount, parse.GetValue(seed), peak);
    }

    private static string F(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);

    private static void Print(ModelBenchResult r)
    {
        var weights = r.RandomWeights ? "random weights" : "its weights";
        System.Console.WriteLine($"model {r.Model} ({weights}, {r.Parameters:N0} parameters), {r.Frames} frames of {r.ImageWidth}x{r.ImageHeight}, {r.Threads} threads, " +
                                 $"{r.Tokens} tokens a text: the caption and {r.Questions.Count} questions (prompts of {string.Join(", ", r.PromptLengths)} ids with the start token)");
        System.Console.WriteLine($"load average {r.LoadAverageBefore} before, {r.LoadAverageAfter} after");
        System.Console.WriteLine($"matmul peak ({ModelBenchmark.PeakMatrixSide}^3 float32, same run): {F(r.MatmulPeakGflops, "0.0")} GFLOP/s" +
                                 (r.MatmulPeakBFloat16Gflops is { } reduced ? $"; bfloat16: {F(reduced, "0.0")} GFLOP/s (the bfloat16 rows' % of peak)" : ""));
        System.Console.WriteLine();
        MarkdownTable.Print(["load (a fresh process)", ">s", ">RSS before MB", ">peak RSS MB"], r.Loads.Select(l => (IReadOnlyList<string>)
        [
            l.Initialisation == "none" ? "weights into an uninitialised model (new)" : "random initialisation, then weights (old)",
            F(l.Seconds, "0.00"), F(l.RssBeforeMb, "0"), F(l.PeakRssMb, "0"),
        ]));
        System.Console.WriteLine($"predictor start-up (the label set's prompts embedded once): {F(r.PredictorStartSeconds, "0.00")} s");
        System.Console.WriteLine();
        var rows = new List<IReadOnlyList<string>>();
        foreach (var batch in r.Predicts.Select(p => p.Batch).Distinct())
        {
            foreach (var encode in r.Encodes.Where(e => e.Batch == batch))
            {
                rows.Add([batch.ToString(CultureInfo.InvariantCulture), $"encode only (image encoder, poolers), {encode.Precision}", F(encode.MedianSeconds, "0.00"),
                    F(encode.ClipsPerSecond, "0.00"), F(encode.GflopPerClip, "0.0"), F(encode.Gflops, "0.0"), F(100 * encode.ShareOfPeak, "0.0") + "%", ""]);
            }
            foreach (var p in r.Predicts.Where(p => p.Batch == batch))
            {
                rows.Add([batch.ToString(CultureInfo.InvariantCulture),
                    p.Path switch
                    {
                        "old" => "full predict, old: one generation per text",
                        "new" => "full predict, new: one decode for all texts",
                        _ => "full predict, new, the model in bfloat16",
                    },
                    F(p.MedianSeconds, "0.00"), F(p.ClipsPerSecond, "0.00"), F(p.GflopPerClip, "0.0"), F(p.Gflops, "0.0"), F(100 * p.ShareOfPeak, "0.0") + "%",
                    p.SpeedUp is { } s ? F(s, "0.00") + "x" : ""]);
            }
        }
        MarkdownTable.Print(["batch", "measurement", ">s / batch", ">clips/s", ">GFLOP / clip", ">GFLOP/s", ">% of peak", ">speed-up"], rows);
        if (r.SameTexts is { } same) System.Console.WriteLine($"same captions and answers on both paths: {(same ? "yes" : "NO")}");
        if (r.BFloat16SameTextShare is { } share)
        {
            System.Console.WriteLine($"bfloat16: {F(100 * share, "0.0")}% of the captions and answers equal float32's; this CPU " +
                                     (r.CpuHasBFloat16Matmul ? "multiplies bfloat16 in hardware (amx_bf16 or avx512_bf16)" : "has no bfloat16 matrix instructions"));
        }
        System.Console.WriteLine($"peak RSS of this process: {F(r.PeakRssMb, "0")} MB");
        foreach (var p in r.Profiles)
        {
            System.Console.WriteLine();
            var decode = p.Parts.Sum(part => part.Seconds);
            System.Console.WriteLine($"batch {p.Batch}, one more predict of the {p.Path} path with its decode's parts timed: {F(p.PredictSeconds, "0.00")} s, " +
                                     $"{p.Steps} decode steps, the decode's parts {F(decode, "0.00")} s ({F(100 * decode / p.PredictSeconds, "0")}%)");
            var table = p.Parts.OrderByDescending(part => part.Seconds).Select(part => (IReadOnlyList<string>)
                [part.Part, F(part.Seconds, "0.000"), F(1000 * part.Seconds / Math.Max(1, p.Steps), "0.0"), F(100 * part.Seconds / p.PredictSeconds, "0.0") + "%"]).ToList();
            table.Add(["the rest of the predict (encoder, poolers, image context, labels, embedding)", F(p.PredictSeconds - decode, "0.000"), "", F(100 * (p.PredictSeconds - decode) / p.PredictSeconds, "0.0") + "%"]);
            MarkdownTable.Print(["part", ">s", ">ms a step", ">% of the predict"], table);
        }
    }

    /// <summary>Training steps per second (full tuning, batch 32) on the world: what the bench measured before it compared paths.</summary>
    private static void MeasureTraining(string folder, string? size)
    {
        string? temporary = null;
        try
        {
            if (size is not null)
            {
                temporary = Path.Combine(Path.GetTempPath(), $"vcp-model-bench-{Guid.NewGuid():N}");
                ModelBenchmark.WriteRandomModel(ModelSizes.Get(size), temporary, 1);
                folder = temporary;
            }
            var loaded = ModelCheckpoint.Load(folder);
            var trainer = new Trainer(loaded.Model, loaded.Tokenizer, loaded.Labels, new TrainingOptions { Steps = int.MaxValue, BatchSize = 32 });
            var sampler = new WorldBatchSampler(loaded.Model.Config, loaded.Tokenizer, TrainingStage.Video, 1);
            var optimizer = optim.AdamW(Trainer.ApplyTuningMode(loaded.Model, TuningMode.Full), lr: 1e-5);
            var step = 0;
            void Step()
            {
                using var scope = NewDisposeScope();
                var batch = sampler.Sample(step++, 32);
                var (contrastive, caption) = trainer.Losses(batch, encoderLearns: true, textLearns: true);
                optimizer.zero_grad();
                (contrastive + 2 * caption).backward();
                optimizer.step();
            }
            Step();
            var clock = Stopwatch.StartNew();
            Step();
            Step();
            System.Console.WriteLine($"training step (full tuning), batch 32: {F(2 * 32 / clock.Elapsed.TotalSeconds, "0.0")} clips/s");
        }
        finally
        {
            if (temporary is not null && Directory.Exists(temporary)) Directory.Delete(temporary, recursive: true);
        }
    }
}
