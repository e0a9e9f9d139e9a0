using System.CommandLine;
using System.Globalization;
using VideoCoca.Cli.Benchmarks;
using VideoCoca.Cli.Console;
using VideoCoca.Cli.Platform;
using static TorchSharp.torch;

namespace VideoCoca.Cli.Commands;

/// <summary>
/// <c>vcp bench pipeline</c>: clips a second through the running platform (uploads over HTTP to the last video
/// completed) beside the worker's model alone on the same clips, same model, same batch size, on this machine.
/// </summary>
public static class PipelineBenchCommand
{
    /// <summary>The issue's aim: the pipeline at this share of model-only throughput or more.</summary>
    private const double Aim = 0.8;

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
            Description = "model of the model-only run: the worker's (VCP_MODEL, else models/world-tiny)",
            DefaultValueFactory = _ => new DirectoryInfo(Environment.GetEnvironmentVariable("VCP_MODEL") ?? DemoCommand.DefaultModel()),
        };
        var timeout = new Option<double>("--timeout") { Description = "seconds to wait for the platform to finish the videos", DefaultValueFactory = _ => 900 };
        var gateway = new Option<Uri>("--gateway") { Description = "gateway address (started with ./vcp up when it does not answer)", DefaultValueFactory = _ => GatewayClient.DefaultAddress };
        var command = new Command("pipeline", "clips/s through the running platform (upload to completed) beside the worker's model alone on the same clips")
        {
            batch, model, timeout, gateway,
        };
        foreach (var option in videos.Options) command.Options.Add(option);
        command.SetGuardedAction(async (parse, cancellationToken) =>
        {
            var sceneCount = videos.ScenesPerVideo(parse);
            var batchSize = parse.GetValue(batch);
            var limit = parse.GetValue(timeout);
            if (batchSize < 1) throw new UserInputException("--batch-size must be at least 1");
            if (limit <= 0) throw new UserInputException("--timeout must be positive");
            var modelFolder = parse.GetValue(model)!.FullName;
            if (!Directory.Exists(modelFolder)) throw new UserInputException($"no such model folder: {modelFolder}");

            var work = Directory.CreateTempSubdirectory("vcp-bench-pipeline-").FullName;
            try
            {
                var files = await videos.GenerateAsync(parse, work, cancellationToken);
                using var client = new GatewayClient(parse.GetValue(gateway)!);
                if (!await client.IsReadyAsync(cancellationToken))
                {
                    await PlatformCommands.RunPlatformScript("up", cancellationToken);
                }
                var benchmark = new PipelineBenchmark(client, TimeSpan.FromSeconds(limit), PlatformCommands.RepositoryRoot());
                var pipeline = await CommandRunner.WithProgressAsync("pipeline (clips)", report => benchmark.RunAsync(files, report, cancellationToken));
                var modelOnly = await CommandRunner.WithProgressAsync("model only (batches)",
                    report => ModelThroughput.MeasureAsync(modelFolder, files, pipeline.ClipLength, batchSize, pipeline.Questions, report, cancellationToken));
                Print(pipeline, modelOnly, sceneCount, batchSize, modelFolder);
            }
            finally
            {
                Directory.Delete(work, recursive: true);
            }
            return 0;
        });
        return command;
    }

    private static void Print(PipelineRun pipeline, ModelRun modelOnly, int scenes, int batchSize, string modelFolder)
    {
        static string Number(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);
        System.Console.WriteLine(
            $"pipeline against model only: {pipeline.Videos} world video{(pipeline.Videos == 1 ? "" : "s")} of {scenes} scenes uploaded at once, " +
            $"{Number(pipeline.ClipLength, "0.##")} s clips, {pipeline.Questions.Count} questions a clip; model {Path.GetFileName(modelFolder)}, " +
            $"batch {batchSize}, {get_num_threads()} torch threads; {Environment.ProcessorCount} cores");
        var failures = pipeline.FailedClips + pipeline.FailedVideos > 0 ? $" ({pipeline.FailedClips} clips and {pipeline.FailedVideos} videos failed)" : "";
        MarkdownTable.Print(["measurement", ">clips", ">seconds", ">clips/s"],
        [
            ["pipeline: first upload to last video completed" + failures, pipeline.Clips.ToString(CultureInfo.InvariantCulture),
                Number(pipeline.Seconds, "0.00"), Number(pipeline.ClipsPerSecond, "0.00")],
            [$"model only: {modelOnly.Batches} forward passes, batch {batchSize}", modelOnly.Clips.ToString(CultureInfo.InvariantCulture),
                Number(modelOnly.Seconds, "0.00"), Number(modelOnly.ClipsPerSecond, "0.00")],
        ]);
        if (pipeline.CpuSeconds.Count > 0)
        {
            System.Console.WriteLine();
            System.Console.WriteLine("CPU seconds during the pipeline run (the local platform's processes, from /proc):");
            var machine = pipeline.CpuSeconds.GetValueOrDefault(PlatformCpu.Machine);
            var platform = pipeline.CpuSeconds.Where(c => c.Key != PlatformCpu.Machine).ToList();
            var rows = platform.Append(new("rest of the machine (not the platform)", machine - platform.Sum(c => c.Value)))
                .Select(c => (IReadOnlyList<string>)[c.Key, Number(c.Value, "0.00"), Number(1000 * c.Value / pipeline.Clips, "0.0")])
                .Append(["model only (this process), for comparison", Number(modelOnly.CpuSeconds, "0.00"), Number(1000 * modelOnly.CpuSeconds / modelOnly.Clips, "0.0")]);
            MarkdownTable.Print(["process", ">CPU s", ">CPU ms a clip"], rows);
            // Bound by CPU, the pipeline reaches the aim only where the model's share of the CPU a clip costs is at least the aim.
            var besideModel = 1000 * (platform.Sum(c => c.Value) / pipeline.Clips - modelOnly.CpuSeconds / modelOnly.Clips);
            System.Console.WriteLine(
                $"the platform spent {Number(besideModel, "0")} ms of CPU a clip besides the model's {Number(1000 * modelOnly.CpuSeconds / modelOnly.Clips, "0")} ms; " +
                $"sharing these cores, a model needs at least {Number(besideModel * Aim / (1 - Aim), "0")} ms of CPU a clip for the pipeline to reach {Number(100 * Aim, "0")}% of it");
        }
        var share = pipeline.ClipsPerSecond / modelOnly.ClipsPerSecond;
        System.Console.WriteLine(
            $"overall: the pipeline runs at {Number(100 * share, "0")}% of model-only throughput " +
            $"(aim: at least {Number(100 * Aim, "0")}%, {(share >= Aim ? "met" : "not met")})");
    }
}
