using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using VideoCoca.Cli.Benchmarks;
using VideoCoca.Cli.Console;
using VideoCoca.Cli.Platform;
using VideoCoca.World;

namespace VideoCoca.Cli.Commands;

/// <summary>
/// <c>vcp bench campaign</c>: a campaign's throughput beside plain analysis of the same catalogue, and how long a new upload
/// waits with and without a campaign filling the queue of the worker and version it shares, on a platform the command
/// starts for itself on the local stack (its own database, virtual host and Orleans cluster) and removes afterwards.
/// </summary>
public static class CampaignBenchCommand
{
    /// <summary>The issue's aim: new uploads within this factor of their idle latency while a campaign runs.</summary>
    private const double Aim = 1.2;

    /// <summary>The version names the bench's workers register (Worker:ModelVersion).</summary>
    private const string VersionA = "bench-a", VersionB = "bench-b", VersionC = "bench-c";

    public static Command Create()
    {
        var videos = new Option<int>("--videos") { Description = "world videos of the catalogue, uploaded at once and analysed by version A", DefaultValueFactory = _ => 40 };
        var scenes = new Option<int>("--scenes") { Description = "4-second scenes (clips) per catalogue video: the catalogue's clips are the campaigns' backlog, which must outlast the timed uploads", DefaultValueFactory = _ => 20 };
        var uploads = new Option<int>("--uploads") { Description = "new uploads timed one at a time, idle and again while a campaign runs", DefaultValueFactory = _ => 8 };
        var uploadScenes = new Option<int>("--upload-scenes") { Description = "4-second scenes (clips) per new upload", DefaultValueFactory = _ => 2 };
        var gap = new Option<double>("--gap") { Description = "seconds between one new upload's completion and the next upload", DefaultValueFactory = _ => 0.5 };
        var rate = new Option<int>("--rate") { Description = "the campaigns' clips per minute (the silo sends at most Campaigns:MaxClipsPerTick a tick whatever the rate)", DefaultValueFactory = _ => 100_000 };
        var modelA = new Option<DirectoryInfo>("--model-a") { Description = "model of version A (plain analysis)", DefaultValueFactory = _ => new DirectoryInfo(DemoCommand.DefaultModel()) };
        var modelB = new Option<DirectoryInfo>("--model-b")
        {
            Description = "model of the campaigns' versions B and C: by default A's model under other names, so that a campaign is compared with plain " +
                "analysis at equal model cost; models/world-tiny-square (64x64 input) makes them cut every clip's frames again from the originals",
            DefaultValueFactory = _ => new DirectoryInfo(DemoCommand.DefaultModel()),
        };
        var batch = new Option<int>("--batch-size")
        {
            Description = "the workers' batch of new uploads' clips (Worker:BatchSize)",
            DefaultValueFactory = _ => 32,
        };
        var campaignBatch = new Option<int>("--campaign-batch-size")
        {
            Description = "the workers' batch of campaign clips (Worker:CampaignBatchSize): a new upload may wait for one such batch in the model",
            DefaultValueFactory = _ => 4, // the worker's own default
        };
        var inFlight = new Option<int>("--in-flight")
        {
            Description = "at most this many campaign clips sent and unanswered at once (the silo's Campaigns:MaxInFlight; 0 keeps the silo's default)",
            DefaultValueFactory = _ => 0,
        };
        var noYield = new Option<bool>("--no-yield") { Description = "campaigns keep sending while new uploads are in progress (Campaigns:YieldToUploads false)" };
        var seed = new Option<int>("--seed") { Description = "seed of the videos", DefaultValueFactory = _ => 1 };
        var timeout = new Option<double>("--timeout") { Description = "seconds to wait for one measurement to finish", DefaultValueFactory = _ => 900 };
        var json = new Option<bool>("--json") { Description = "print the figures as JSON instead of tables" };
        var command = new Command("campaign",
            "campaign throughput beside plain analysis, and new-upload latency with and without a campaign in the same worker's queue, on a platform of its own")
        {
            videos, scenes, uploads, uploadScenes, gap, rate, modelA, modelB, batch, campaignBatch, inFlight, noYield, seed, timeout, json,
        };
        command.SetGuardedAction(async (parse, cancellationToken) =>
        {
            var settings = new Settings(
                AtLeast(parse.GetValue(videos), 1, "--videos"), AtLeast(parse.GetValue(scenes), 1, "--scenes"),
                AtLeast(parse.GetValue(uploads), 1, "--uploads"), AtLeast(parse.GetValue(uploadScenes), 1, "--upload-scenes"),
                parse.GetValue(gap) >= 0 ? TimeSpan.FromSeconds(parse.GetValue(gap)) : throw new UserInputException("--gap must be zero or more"),
                AtLeast(parse.GetValue(rate), 1, "--rate"),
                ModelFolder(parse.GetValue(modelA)!, "--model-a"), ModelFolder(parse.GetValue(modelB)!, "--model-b"), AtLeast(parse.GetValue(batch), 1, "--batch-size"),
                AtLeast(parse.GetValue(campaignBatch), 1, "--campaign-batch-size"),
                AtLeast(parse.GetValue(inFlight), 0, "--in-flight"), !parse.GetValue(noYield), parse.GetValue(seed),
                parse.GetValue(timeout) > 0 ? TimeSpan.FromSeconds(parse.GetValue(timeout)) : throw new UserInputException("--timeout must be positive"));
            var work = Directory.CreateTempSubdirectory("vcp-bench-campaign-").FullName;
            try
            {
                var result = await RunAsync(settings, work, cancellationToken);
                if (parse.GetValue(json)) PrintJson(result, settings);
                else Print(result, settings);
            }
            finally
            {
                Directory.Delete(work, recursive: true);
            }
            return 0;
        });
        return command;
    }

    private sealed record Settings(
        int Videos, int Scenes, int Uploads, int UploadScenes, TimeSpan Gap, int Rate, string ModelA, string ModelB, int BatchSize, int CampaignBatchSize,
        int InFlight, bool YieldToUploads, int Seed, TimeSpan Timeout);

    private static async Task<CampaignBenchResult> RunAsync(Settings settings, string work, CancellationToken cancellationToken)
    {
        var catalogue = await RenderAsync(Path.Combine(work, "catalogue"), settings.Videos, settings.Scenes, settings.Seed, "rendering the catalogue", cancellationToken);
        var newUploads = await RenderAsync(Path.Combine(work, "uploads"), settings.Uploads, settings.UploadScenes, settings.Seed + 1000, "rendering the new uploads", cancellationToken);

        System.Console.Error.WriteLine("starting a platform of the bench's own (silo, gateway, a worker per version) on the local stack");
        var root = PlatformCommands.RepositoryRoot();
        await using var platform = await BenchPlatform.CreateAsync(root, Path.Combine(work, "platform"), cancellationToken);
        var workerSettings = new Dictionary<string, string>
        {
            ["Worker__Device"] = "cpu", ["Worker__BatchSize"] = settings.BatchSize.ToString(CultureInfo.InvariantCulture),
            ["Worker__CampaignBatchSize"] = settings.CampaignBatchSize.ToString(CultureInfo.InvariantCulture),
        };
        var address = platform.StartGateway();
        var siloSettings = new Dictionary<string, string> { ["Campaigns__YieldToUploads"] = settings.YieldToUploads ? "true" : "false" };
        if (settings.InFlight > 0) siloSettings["Campaigns__MaxInFlight"] = settings.InFlight.ToString(CultureInfo.InvariantCulture);
        platform.StartSilo(siloSettings);
        platform.StartWorker(VersionA, settings.ModelA, workerSettings);
        using var client = new GatewayClient(address, await platform.CreateAdminKeyAsync(cancellationToken));
        var benchmark = new CampaignBenchmark(client, settings.Timeout);
        await benchmark.WaitForGatewayAsync(platform.ThrowIfAnyExited, cancellationToken);
        // A registers first, so it is the active version: the catalogue is analysed by it.
        await benchmark.WaitForVersionAsync(VersionA, platform.ThrowIfAnyExited, cancellationToken);
        platform.StartWorker(VersionB, settings.ModelB, workerSettings);
        await benchmark.WaitForVersionAsync(VersionB, platform.ThrowIfAnyExited, cancellationToken);

        // (a) Plain analysis of the catalogue by A, as vcp bench pipeline times it, kept as the campaigns' scope.
        var pipeline = new PipelineBenchmark(client, settings.Timeout, root);
        await CommandRunner.WithProgressAsync("warming the platform up (one video, untimed)", async report =>
        {
            await pipeline.WarmUpAsync(catalogue[0], cancellationToken);
            report(1, 1, "");
            return true;
        });
        var plain = await CommandRunner.WithProgressAsync($"plain analysis by {VersionA} (clips)",
            report => pipeline.RunAsync(catalogue, report, cancellationToken, keepVideos: true));
        var catalogueCut = DateTimeOffset.UtcNow;
        platform.ThrowIfAnyExited();

        // (b) The catalogue again under B, nothing else queued.
        var versions = await client.ListModelVersionsAsync(cancellationToken);
        var framesCutAgain = InputKey(versions, VersionA) != InputKey(versions, VersionB);
        var (campaignB, requestedB) = await benchmark.StartCampaignAsync(VersionB, catalogueCut, settings.Rate, cancellationToken);
        var campaign = await CommandRunner.WithProgressAsync($"campaign under {VersionB} (clips)",
            report => benchmark.WaitForCampaignAsync(campaignB, requestedB, framesCutAgain, report, cancellationToken));
        await platform.StopAsync($"worker-{VersionB}");

        // (c) New uploads to C, made active: first alone, then while C's campaign over the catalogue fills the queue
        // of the same worker. B cannot serve here: it has analysed the whole catalogue, and a campaign only sends what
        // its version lacks.
        platform.StartWorker(VersionC, settings.ModelB, workerSettings);
        await benchmark.WaitForVersionAsync(VersionC, platform.ThrowIfAnyExited, cancellationToken);
        await client.ActivateModelVersionAsync(VersionC, force: true, cancellationToken);
        await CommandRunner.WithProgressAsync($"warming {VersionC} up (one upload, untimed)", async report =>
        {
            await pipeline.WarmUpAsync(newUploads[0], cancellationToken);
            report(1, 1, "");
            return true;
        });
        var idle = await CommandRunner.WithProgressAsync("new uploads, nothing else queued",
            report => benchmark.TimeUploadsAsync(newUploads, null, settings.Gap, report, cancellationToken));
        var (campaignC, requestedC) = await benchmark.StartCampaignAsync(VersionC, catalogueCut, settings.Rate, cancellationToken);
        var loaded = await CommandRunner.WithProgressAsync($"new uploads, campaign under {VersionC} running",
            report => benchmark.TimeUploadsAsync(newUploads, campaignC.Id, settings.Gap, report, cancellationToken));
        if (loaded.Count == 0)
        {
            throw new UserInputException("the campaign had analysed the whole catalogue before the first upload: raise --videos or --scenes");
        }
        var loadCampaign = await CommandRunner.WithProgressAsync($"the rest of the campaign under {VersionC} (clips)",
            report => benchmark.WaitForCampaignAsync(campaignC, requestedC, framesCutAgain, report, cancellationToken));
        platform.ThrowIfAnyExited();
        return new CampaignBenchResult(plain, VersionA, campaign, VersionC, loadCampaign, idle, loaded);
    }

    private static string? InputKey(Contracts.Api.ModelVersionList versions, string name) =>
        versions.Versions.FirstOrDefault(v => v.Name == name)?.Input is { } input ? $"{input.Frames}x{input.Height}x{input.Width}-{input.Resize}" : null;

    private static async Task<IReadOnlyList<string>> RenderAsync(string folder, int count, int scenes, int seed, string what, CancellationToken cancellationToken)
    {
        var options = new WorldSetOptions(count, seed, scenes, ClipGeometry.Reference);
        await CommandRunner.WithProgressAsync(what, async report =>
            await WorldSetGenerator.GenerateAsync(folder, options, (done, total) => report(done, total, ""), cancellationToken));
        return Directory.GetFiles(folder, "*.mp4").Order(StringComparer.Ordinal).ToList();
    }

    private static void Print(CampaignBenchResult result, Settings settings)
    {
        var (campaign, load) = (result.Campaign, result.LoadCampaign);
        System.Console.WriteLine(Invariant(
            $"campaigns: a catalogue of {settings.Videos} world videos of {settings.Scenes} scenes ({result.Plain.Clips} clips of {result.Plain.ClipLength:0.##} s); ") + Invariant(
            $"version A {result.PlainVersion} = {Path.GetFileName(settings.ModelA)}, versions B and C ({campaign.Version}, {result.LatencyVersion}) = {Path.GetFileName(settings.ModelB)}; ") +
            Invariant($"one worker a version (CPU, batches of {settings.BatchSize} upload clips or {settings.CampaignBatchSize} campaign clips), ") + Invariant(
                $"campaigns {(settings.InFlight > 0 ? $"with at most {settings.InFlight} clips in flight" : "with the silo's default clips in flight")}{(settings.YieldToUploads ? " yielding to new uploads" : " not yielding to new uploads")}; ") + "one silo, one gateway, a database and virtual host of the bench's own; " + Invariant(
            $"campaign rate {settings.Rate} clips/min; {Environment.ProcessorCount} cores"));
        System.Console.WriteLine();
        var frames = campaign.FramesCutAgain ? "frames cut again from the originals" : "stored frames reused";
        MarkdownTable.Print(["measurement", "version", ">clips", ">failed", ">seconds", ">clips/s"],
        [
            ["plain analysis: every video uploaded at once, first upload to last completed", result.PlainVersion,
                Invariant($"{result.Plain.Clips}"), Invariant($"{result.Plain.FailedClips}"), Invariant($"{result.Plain.Seconds:0.00}"), Invariant($"{result.Plain.ClipsPerSecond:0.00}")],
            [$"campaign over the catalogue, request to completed ({frames})", campaign.Version,
                Invariant($"{campaign.Clips}"), Invariant($"{campaign.Failed}"), Invariant($"{campaign.Seconds:0.00}"), Invariant($"{campaign.ClipsPerSecond:0.00}")],
            [$"campaign over the catalogue again, while {result.Loaded.Count} new uploads were timed (their clips not counted)", load.Version,
                Invariant($"{load.Clips}"), Invariant($"{load.Failed}"), Invariant($"{load.Seconds:0.00}"), Invariant($"{load.ClipsPerSecond:0.00}")],
        ]);
        System.Console.WriteLine(Invariant($"a campaign re-analyses the catalogue at {campaign.ClipsPerSecond / result.Plain.ClipsPerSecond:0.00}x the throughput of analysing it on upload"));
        System.Console.WriteLine();

        MarkdownTable.Print(["new uploads, one at a time", ">uploads", ">median s", ">p95 s", ">max s", ">campaign backlog at upload (median)", ">campaign clips analysed while it waited (median)"],
        [
            Row("idle: nothing else queued", result.Idle),
            Row($"campaign running under the same version ({result.LatencyVersion}) and worker", result.Loaded),
        ]);
        System.Console.WriteLine();
        MarkdownTable.Print(["upload (campaign running)", ">clips", ">seconds", ">backlog at upload", ">campaign clips analysed meanwhile", ">backlog at completion"],
            result.Loaded.Select((u, i) => (IReadOnlyList<string>)
            [
                Invariant($"{i + 1}"), Invariant($"{u.Clips}"), Invariant($"{u.Seconds:0.00}"), Invariant($"{u.BacklogAtUpload}"),
                Invariant($"{u.CampaignClipsMeanwhile}"), Invariant($"{u.BacklogAtCompletion}"),
            ]));
        var (median, p95) = Ratios(result);
        System.Console.WriteLine(Invariant(
            $"overall: with a campaign running, new uploads took {median:0.00}x their idle median latency ({p95:0.00}x at p95) ") + Invariant(
            $"(aim: at most {Aim:0.0}x, {(median <= Aim ? "met" : "not met")})"));
        if (result.Loaded.Count < settings.Uploads)
        {
            System.Console.WriteLine(Invariant(
                $"note: the campaign's backlog ran out after {result.Loaded.Count} of {settings.Uploads} uploads (the rest would have timed an idle platform): raise --videos or --scenes for a backlog that lasts"));
        }
    }

    private static IReadOnlyList<string> Row(string name, IReadOnlyList<UploadLatency> uploads) =>
    [
        name, Invariant($"{uploads.Count}"), Invariant($"{Statistics.Median(uploads.Select(u => u.Seconds)):0.00}"),
        Invariant($"{Statistics.Percentile(uploads.Select(u => u.Seconds), 0.95):0.00}"), Invariant($"{uploads.Max(u => u.Seconds):0.00}"),
        Invariant($"{Statistics.Median(uploads.Select(u => (double)u.BacklogAtUpload)):0}"), Invariant($"{Statistics.Median(uploads.Select(u => (double)u.CampaignClipsMeanwhile)):0}"),
    ];

    private static (double Median, double P95) Ratios(CampaignBenchResult result) =>
        (Statistics.Median(result.Loaded.Select(u => u.Seconds)) / Statistics.Median(result.Idle.Select(u => u.Seconds)),
         Statistics.Percentile(result.Loaded.Select(u => u.Seconds), 0.95) / Statistics.Percentile(result.Idle.Select(u => u.Seconds), 0.95));

    private static void PrintJson(CampaignBenchResult result, Settings settings)
    {
        var (median, p95) = Ratios(result);
        static object Latency(IReadOnlyList<UploadLatency> uploads) => new
        {
            median_seconds = Statistics.Median(uploads.Select(u => u.Seconds)),
            p95_seconds = Statistics.Percentile(uploads.Select(u => u.Seconds), 0.95),
            uploads = uploads.Select(u => new
            {
                seconds = u.Seconds, clips = u.Clips, backlog_at_upload = u.BacklogAtUpload,
                campaign_clips_meanwhile = u.CampaignClipsMeanwhile, backlog_at_completion = u.BacklogAtCompletion,
            }),
        };
        static object Campaign(CampaignRun run) => new
        {
            version = run.Version, clips = run.Clips, failed = run.Failed, seconds = run.Seconds, clips_per_second = run.ClipsPerSecond,
            frames_cut_again = run.FramesCutAgain,
        };
        System.Console.WriteLine(JsonSerializer.Serialize(new
        {
            settings = new
            {
                videos = settings.Videos, scenes = settings.Scenes, uploads = settings.Uploads, upload_scenes = settings.UploadScenes,
                gap_seconds = settings.Gap.TotalSeconds, rate = settings.Rate, batch_size = settings.BatchSize, campaign_batch_size = settings.CampaignBatchSize,
                campaign_in_flight = settings.InFlight > 0 ? settings.InFlight : (int?)null, yield_to_uploads = settings.YieldToUploads, model_a = settings.ModelA, model_b = settings.ModelB,
                cores = Environment.ProcessorCount,
            },
            plain = new
            {
                version = result.PlainVersion, clips = result.Plain.Clips, failed = result.Plain.FailedClips, seconds = result.Plain.Seconds,
                clips_per_second = result.Plain.ClipsPerSecond,
            },
            campaign = Campaign(result.Campaign),
            campaign_during_uploads = Campaign(result.LoadCampaign),
            latency = new
            {
                version = result.LatencyVersion, idle = Latency(result.Idle), with_campaign = Latency(result.Loaded),
                median_ratio = median, p95_ratio = p95, aim = Aim,
            },
        }, new JsonSerializerOptions { WriteIndented = true }));
    }

    private static int AtLeast(int value, int minimum, string option) =>
        value >= minimum ? value : throw new UserInputException($"{option} must be at least {minimum}");

    private static string ModelFolder(DirectoryInfo folder, string option) =>
        Directory.Exists(folder.FullName) ? folder.FullName : throw new UserInputException($"{option}: no such model folder: {folder.FullName}");

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
