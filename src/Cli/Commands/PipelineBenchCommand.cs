using System.CommandLine;
using System.Globalization;
using VideoCoca.Cli.Benchmarks;
using VideoCoca.Cli.Console;
using VideoCoca.Cli.Platform;
using VideoCoca.Inference;
using VideoCoca.Ingest;
using static TorchSharp.torch;

namespace VideoCoca.Cli.Commands;

/// <summary>
/// <c>vcp bench pipeline</c>: clips a second through the running platform (uploads over HTTP to the last video
/// completed) beside the worker's model alone on the same clips, same model, same batch size, on this machine.
/// </summary>
public static class PipelineBenchCommand
{
    /// <summary>Issue 13's aim: the pipeline at this share of model-only throughput or more (with a real-size model).</summary>
    private const double Aim = 0.9;

    /// <summary>Issue 13's aim for the hosts' CPU a clip outside the model, in ms.</summary>
    private const double AimOutsideModelMs = 25;

    /// <summary>The worker's batch size when <c>Worker__BatchSize</c> is not set (<c>WorkerOptions.BatchSize</c>).</summary>
    private const int WorkerBatchSize = 32;

    public static Command Create()
    {
        var videos = new BenchVideos(8, "world videos uploaded at once");
        var batch = new Option<int>("--batch-size")
        {
            Description = $"batch of the model-only run: the worker's (Worker__BatchSize, else {WorkerBatchSize})",
            DefaultValueFactory = _ => int.TryParse(Environment.GetEnvironmentVariable("Worker__BatchSize"), out var size) ? size : WorkerBatchSize,
        };
        var model = new Option<DirectoryInfo>("--model")
        {
            Description = "model of the model-only run: the worker's (VCP_MODEL, else the shipped default, models/world-v2)",
            DefaultValueFactory = _ => new DirectoryInfo(Environment.GetEnvironmentVariable("VCP_MODEL") ?? DemoCommand.DefaultModel()),
        };
        var rounds = new Option<int>("--rounds")
        {
            Description = "timed rounds, each the pipeline then the model alone (medians are compared: one run of a real-size model varies by 15% or more)",
            DefaultValueFactory = _ => 3,
        };
        var precision = new Option<string>("--precision")
        {
            Description = "number format of the model-only run: the worker's (Worker__Precision, else auto: bfloat16 on a CPU that multiplies it in hardware, else float32)",
            DefaultValueFactory = _ => Environment.GetEnvironmentVariable("Worker__Precision") ?? "auto",
        };
        var idleSeconds = new Option<double>("--idle-seconds")
        {
            Description = "seconds the hosts' CPU is sampled with nothing sent, before the rounds, to tell their cost a clip from their cost a second (0: not sampled)",
            DefaultValueFactory = _ => 10,
        };
        var timeout = new Option<double>("--timeout") { Description = "seconds to wait for the platform to finish the videos", DefaultValueFactory = _ => 900 };
        var gateway = GatewayAddressOption.Create("gateway address (started with ./vcp up when it does not answer)");
        var command = new Command("pipeline", "clips/s through the running platform (upload to completed) beside the worker's model alone on the same clips")
        {
            batch, model, rounds, precision, idleSeconds, timeout, gateway,
        };
        foreach (var option in videos.Options) command.Options.Add(option);
        command.SetGuardedAction(async (parse, cancellationToken) =>
        {
            var sceneCount = videos.ScenesPerVideo(parse);
            var batchSize = parse.GetValue(batch);
            var limit = parse.GetValue(timeout);
            var roundCount = parse.GetValue(rounds);
            if (batchSize < 1) throw new UserInputException("--batch-size must be at least 1");
            if (roundCount < 1) throw new UserInputException("--rounds must be at least 1");
            if (limit <= 0) throw new UserInputException("--timeout must be positive");
            var format = InferencePrecisions.ResolveOption(parse.GetValue(precision), "--precision");
            var idleFor = parse.GetValue(idleSeconds);
            if (idleFor < 0) throw new UserInputException("--idle-seconds must not be negative");
            var modelFolder = parse.GetValue(model)!.FullName;
            if (!Directory.Exists(modelFolder)) throw new UserInputException($"no such model folder: {modelFolder}");

            var work = Directory.CreateTempSubdirectory("vcp-bench-pipeline-").FullName;
            try
            {
                var files = await videos.GenerateAsync(parse, work, cancellationToken);
                var address = parse.GetValue(gateway)!;
                using var client = new GatewayClient(address);
                if (!await client.IsReadyAsync(cancellationToken))
                {
                    await PlatformCommands.RunPlatformScript("up", cancellationToken);
                }
                await ActiveModelCheck.RequireActiveWorkerAsync(client, TimeSpan.FromMinutes(2), cancellationToken);
                var benchmark = new PipelineBenchmark(client, TimeSpan.FromSeconds(limit), PlatformCommands.RepositoryRoot(), address);
                await CommandRunner.WithProgressAsync("warming the platform up (one video)", async report =>
                {
                    await benchmark.WarmUpAsync(files[0], cancellationToken);
                    report(1, 1, "");
                    return true;
                });
                var idle = idleFor > 0
                    ? await CommandRunner.WithProgressAsync($"the hosts idle ({idleFor:0} s)", async report =>
                    {
                        var measured = await benchmark.IdleAsync(TimeSpan.FromSeconds(idleFor), cancellationToken);
                        report(1, 1, "");
                        return measured;
                    })
                    : [];
                // The model alone runs in this process, on the clip length and questions the platform used.
                var loadBefore = LoadAverage();
                var runs = new List<(PipelineRun Pipeline, ModelRun ModelOnly)>();
                var referenceSeconds = new List<double>();
                ModelThroughput? modelAlone = null;
                for (var round = 1; round <= roundCount; round++)
                {
                    var label = roundCount == 1 ? "" : $", round {round} of {roundCount}";
                    var pipeline = await CommandRunner.WithProgressAsync($"pipeline (clips){label}", report => benchmark.RunAsync(files, report, cancellationToken));
                    modelAlone ??= await CommandRunner.WithProgressAsync("loading the model alone (and one untimed batch)", async report =>
                    {
                        var loaded = await ModelThroughput.LoadAsync(modelFolder, files, pipeline.ClipLength, batchSize, pipeline.Questions, format, cancellationToken);
                        report(1, 1, "");
                        return loaded;
                    });
                    var modelOnly = await CommandRunner.WithProgressAsync($"model only (batches){label}", report => Task.FromResult(modelAlone.Measure(report, cancellationToken)));
                    runs.Add((pipeline, modelOnly));
                    referenceSeconds.Add(await CommandRunner.WithProgressAsync($"the machine's speed (one video decoded){label}", async report =>
                    {
                        var seconds = await ReferenceDecodeSecondsAsync(files[0], cancellationToken);
                        report(1, 1, "");
                        return seconds;
                    }));
                }
                Print(runs, sceneCount, batchSize, modelFolder, format, idle, idleFor);
                PrintMachineSpeed(referenceSeconds, runs[0].Pipeline);
                if (await PlatformStages.WorkerAsync(cancellationToken) is { StartupSeconds: { } startup } worker)
                {
                    var peak = worker.PeakBytes is { } bytes ? string.Create(CultureInfo.InvariantCulture, $"; its process's peak resident memory so far {bytes / (1024 * 1024):N0} MB") : "";
                    if (worker.AfterBatchBytes is { } held) peak += string.Create(CultureInfo.InvariantCulture, $", {held / (1024 * 1024):N0} MB after its latest batch");
                    System.Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"worker: {startup:0.0} s from its process's start to its model loaded and version registered{peak} (its /metrics)"));
                }
                // A shared machine's other work shows in every figure above: say how busy it was.
                if (loadBefore is not null) System.Console.WriteLine($"load average (1, 5, 15 min) at the start: {loadBefore}; at the end: {LoadAverage()}");
            }
            finally
            {
                Directory.Delete(work, recursive: true);
            }
            return 0;
        });
        return command;
    }

    /// <summary>
    /// The CPU seconds of one fixed piece of work, the bench's first video decoded on one thread by ffmpeg
    /// (<see cref="PlainFfmpegSplit.DecodeOnlyAsync"/>): on a shared or virtual machine the same work costs more CPU at
    /// some moments than at others, and this says by how much during each round.
    /// </summary>
    private static async Task<double> ReferenceDecodeSecondsAsync(string video, CancellationToken cancellationToken)
    {
        var before = PlatformCpu.ChildrenSeconds();
        await new PlainFfmpegSplit(new IngestOptions()).DecodeOnlyAsync(video, cancellationToken);
        return PlatformCpu.ChildrenSeconds() - before;
    }

    private static void PrintMachineSpeed(IReadOnlyList<double> referenceSeconds, PipelineRun first)
    {
        if (referenceSeconds.Count == 0 || first.Videos == 0) return;
        static string Number(double value) => value.ToString("0.0", CultureInfo.InvariantCulture);
        // Per clip of that video, so that it reads beside the silo's ffmpeg row.
        var clips = Math.Max(1.0, (double)first.Clips / first.Videos);
        var perClip = referenceSeconds.Select(s => 1000 * s / clips).ToList();
        System.Console.WriteLine(
            $"the machine's speed: the same decode (the first video on one thread, ffmpeg -f null) cost {string.Join(", ", perClip.Select(Number))} ms of CPU a clip " +
            "after each round; totals of runs compare fairly only where these match");
    }

    /// <summary>The machine's load average over 1, 5 and 15 minutes, from /proc; null elsewhere.</summary>
    private static string? LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : null;

    /// <summary>The hosts' CPU by stage, every round together, in ms a clip; and what the platform spends beside the model.</summary>
    /// <param name="idle">Each host's CPU by stage over <paramref name="idleSeconds"/> with nothing sent (none: not sampled).</param>
    private static void PrintStages(
        IReadOnlyList<(PipelineRun Pipeline, ModelRun ModelOnly)> runs, IReadOnlyList<(string Process, string Stage, double Seconds)> idle, double idleSeconds)
    {
        static string Number(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);
        var rows = runs.SelectMany(r => r.Pipeline.StageSeconds)
            .GroupBy(r => (r.Process, r.Stage))
            .Select(g => (g.Key.Process, g.Key.Stage, Seconds: g.Sum(r => r.Seconds)))
            .ToList();
        if (rows.Count == 0) return;
        var clips = runs.Sum(r => r.Pipeline.Clips);
        System.Console.WriteLine();
        System.Console.WriteLine("CPU by process and stage (each host's vcp.stage.cpu at its /metrics; its children and the rest of its own CPU from /proc):");
        var table = new List<IReadOnlyList<string>>();
        foreach (var process in rows.GroupBy(r => r.Process))
        {
            table.AddRange(process.Select(r => (IReadOnlyList<string>)[r.Process, r.Stage, Number(r.Seconds, "0.00"), Number(1000 * r.Seconds / clips, "0.0")]));
            var total = process.Sum(r => r.Seconds);
            table.Add([process.Key, "**total**", Number(total, "0.00"), Number(1000 * total / clips, "0.0")]);
        }
        var model = rows.Where(r => r.Stage.StartsWith("model forward pass", StringComparison.Ordinal)).Sum(r => r.Seconds);
        var outside = rows.Sum(r => r.Seconds) - model;
        table.Add(["gateway, silo, worker", "**outside the model**", Number(outside, "0.00"), Number(1000 * outside / clips, "0.0")]);
        MarkdownTable.Print(["process", "stage", ">CPU s", ">CPU ms a clip"], table);
        System.Console.WriteLine(
            $"outside the model the hosts spent {Number(1000 * outside / clips, "0.0")} ms of CPU a clip (PostgreSQL and RabbitMQ above come on top; aim: {Number(AimOutsideModelMs, "0")} ms or less)");
        var jit = runs.SelectMany(r => r.Pipeline.JitMethods).GroupBy(m => m.Key).Select(g => $"{g.Key} {Number(g.Sum(m => m.Value), "0")}").ToList();
        if (jit.Count > 0)
        {
            // Hundreds a round mean a host is still warming up: its "rest" then holds tiered compilation's work.
            System.Console.WriteLine($"methods the hosts' JIT compiled during the rounds: {string.Join(", ", jit)}");
        }
        if (idle.Count == 0 || idleSeconds <= 0) return;
        // What the hosts spend a second with nothing to do, times the seconds the rounds lasted, is their cost of being
        // up, not of the clips: a platform in service pays it once over all the clips of that time.
        var runSeconds = runs.Sum(r => r.Pipeline.Seconds);
        System.Console.WriteLine();
        System.Console.WriteLine($"the hosts with nothing sent, {Number(idleSeconds, "0")} s before the rounds, and that rate over the rounds' {Number(runSeconds, "0.0")} s:");
        var background = idle.GroupBy(r => r.Process).Select(g => (Process: g.Key, PerSecond: g.Sum(r => r.Seconds) / idleSeconds)).ToList();
        MarkdownTable.Print(["process", ">idle CPU ms a second", ">over the rounds, CPU s", ">CPU ms a clip"], background.Select(b => (IReadOnlyList<string>)
            [b.Process, Number(1000 * b.PerSecond, "0.0"), Number(b.PerSecond * runSeconds, "0.00"), Number(1000 * b.PerSecond * runSeconds / clips, "0.0")]));
        var above = outside - background.Sum(b => b.PerSecond) * runSeconds;
        System.Console.WriteLine(
            $"outside the model and above the hosts' idle rate: {Number(1000 * above / clips, "0.0")} ms of CPU a clip (aim: {Number(AimOutsideModelMs, "0")} ms or less, " +
            $"{(1000 * above / clips <= AimOutsideModelMs ? "met" : "not met")})");
    }

    private static void Print(
        IReadOnlyList<(PipelineRun Pipeline, ModelRun ModelOnly)> runs, int scenes, int batchSize, string modelFolder, InferencePrecision precision,
        IReadOnlyList<(string Process, string Stage, double Seconds)> idle, double idleSeconds)
    {
        static string Number(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);
        static string Percent(double share) => Number(100 * share, "0") + "%";
        var first = runs[0].Pipeline;
        System.Console.WriteLine(
            $"pipeline against model only: {first.Videos} world video{(first.Videos == 1 ? "" : "s")} of {scenes} scenes uploaded at once, " +
            $"{Number(first.ClipLength, "0.##")} s clips, {first.Questions.Count} questions a clip; model {Path.GetFileName(modelFolder)}, " +
            $"batch {batchSize}, {precision.Name()}, {get_num_threads()} torch threads; {Environment.ProcessorCount} cores; " +
            $"{runs.Count} round{(runs.Count == 1 ? "" : "s")}, each the pipeline then the model alone");
        if (runs.Count > 1)
        {
            MarkdownTable.Print(["round", ">pipeline s", ">model only s", ">pipeline / model only"],
                runs.Select((r, i) => (IReadOnlyList<string>)[
                    (i + 1).ToString(CultureInfo.InvariantCulture), Number(r.Pipeline.Seconds, "0.00"), Number(r.ModelOnly.Seconds, "0.00"),
                    Percent(r.Pipeline.ClipsPerSecond / r.ModelOnly.ClipsPerSecond)]));
            System.Console.WriteLine();
        }
        var failed = runs.Sum(r => r.Pipeline.FailedClips);
        var failedVideos = runs.Sum(r => r.Pipeline.FailedVideos);
        var failures = failed + failedVideos > 0 ? $" ({failed} clips and {failedVideos} videos failed)" : "";
        var median = runs.Count == 1 ? "" : $", median of {runs.Count}";
        var pipelineSeconds = Statistics.Median(runs.Select(r => r.Pipeline.Seconds));
        var modelSeconds = Statistics.Median(runs.Select(r => r.ModelOnly.Seconds));
        var clips = first.Clips;
        MarkdownTable.Print(["measurement", ">clips", ">seconds", ">clips/s"],
        [
            [$"pipeline: first upload to last video completed{median}" + failures, clips.ToString(CultureInfo.InvariantCulture),
                Number(pipelineSeconds, "0.00"), Number(clips / pipelineSeconds, "0.00")],
            [$"model only: {runs[0].ModelOnly.Batches} forward pass{(runs[0].ModelOnly.Batches == 1 ? "" : "es")}, batch {batchSize}{median}", runs[0].ModelOnly.Clips.ToString(CultureInfo.InvariantCulture),
                Number(modelSeconds, "0.00"), Number(runs[0].ModelOnly.Clips / modelSeconds, "0.00")],
        ]);
        var cpuSeconds = runs.SelectMany(r => r.Pipeline.CpuSeconds).GroupBy(c => c.Key).ToDictionary(g => g.Key, g => g.Sum(c => c.Value));
        if (cpuSeconds.Count > 0)
        {
            var pipelineClips = runs.Sum(r => r.Pipeline.Clips);
            var modelClips = runs.Sum(r => r.ModelOnly.Clips);
            var modelCpu = runs.Sum(r => r.ModelOnly.CpuSeconds);
            System.Console.WriteLine();
            System.Console.WriteLine($"CPU seconds during the pipeline run{(runs.Count == 1 ? "" : "s, every round together")} (the local platform's processes, from /proc):");
            var machine = cpuSeconds.GetValueOrDefault(PlatformCpu.Machine);
            var platform = cpuSeconds.Where(c => c.Key != PlatformCpu.Machine).ToList();
            var rows = platform.Append(new("rest of the machine (not the platform)", machine - platform.Sum(c => c.Value)))
                .Select(c => (IReadOnlyList<string>)[c.Key, Number(c.Value, "0.00"), Number(1000 * c.Value / pipelineClips, "0.0")])
                .Append(["model only (this process), for comparison", Number(modelCpu, "0.00"), Number(1000 * modelCpu / modelClips, "0.0")]);
            MarkdownTable.Print(["process", ">CPU s", ">CPU ms a clip"], rows);
            // Bound by CPU, the pipeline reaches the aim only where the model's share of the CPU a clip costs is at least the aim.
            var besideModel = 1000 * (platform.Sum(c => c.Value) / pipelineClips - modelCpu / modelClips);
            var modelMs = Number(1000 * modelCpu / modelClips, "0");
            System.Console.WriteLine(besideModel > 0
                ? $"the platform spent {Number(besideModel, "0")} ms of CPU a clip besides the model's {modelMs} ms; " +
                  $"sharing these cores, a model needs at least {Number(besideModel * Aim / (1 - Aim), "0")} ms of CPU a clip for the pipeline to reach {Number(100 * Aim, "0")}% of it"
                // The kernel's per-process and per-machine counts differ by a percent or so: beside a model of seconds a clip that hides the rest.
                : $"the platform's CPU beside the model's {modelMs} ms a clip is below what these counts can tell apart (the worker's passes took {Number(-besideModel, "0")} ms a clip less than the model alone's)");
        }
        PrintStages(runs, idle, idleSeconds);
        var share = modelSeconds / pipelineSeconds;
        System.Console.WriteLine(
            $"overall: the pipeline runs at {Percent(share)} of model-only throughput{(runs.Count == 1 ? "" : " (medians)")} " +
            $"(aim: at least {Number(100 * Aim, "0")}%, {(share >= Aim ? "met" : "not met")})");
    }
}
