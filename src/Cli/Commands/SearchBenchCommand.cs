using System.CommandLine;
using System.Globalization;
using VideoCoca.Cli.Benchmarks;
using VideoCoca.Cli.Console;
using VideoCoca.Cli.Platform;
using VideoCoca.Persistence.Search;
using VideoCoca.World;

namespace VideoCoca.Cli.Commands;

/// <summary>
/// <c>vcp bench search</c>: pgvector's HNSW index on synthetic unit vectors (build time, recall@10 against exact search,
/// query latency) and the gateway's search endpoint on a real catalogue while the worker is busy.
/// </summary>
public static class SearchBenchCommand
{
    /// <summary>The issue's aims: recall@10, the index's p95 at a million clips, and HTTP search's p95 under load.</summary>
    private const double RecallAim = 0.95;
    private const double IndexP95AimMs = 20;
    private const double HttpP95AimMs = 250;

    public static Command Create()
    {
        var part = new Option<string>("--part") { Description = "index (pgvector alone), http (the running platform) or all", DefaultValueFactory = _ => "all" };
        part.AcceptOnlyFromAmong("all", "index", "http");
        var clips = new Option<int>("--clips") { Description = "vectors in the index", DefaultValueFactory = _ => 100_000 };
        var dimension = new Option<int>("--dimension") { Description = "length of each vector", DefaultValueFactory = _ => 512 };
        var queries = new Option<int>("--queries") { Description = "queries per ef_search setting", DefaultValueFactory = _ => 200 };
        var distribution = new Option<string>("--distribution") { Description = "clustered (around random centres, as real embeddings) or uniform (on the sphere, the hardest case)", DefaultValueFactory = _ => "clustered" };
        distribution.AcceptOnlyFromAmong("clustered", "uniform");
        var clusters = new Option<int>("--clusters") { Description = "centres of the clustered distribution", DefaultValueFactory = _ => 1000 };
        var m = new Option<int>("--m") { Description = "HNSW links per node (the platform's, VectorIndexes.Links; pgvector's default is 16)", DefaultValueFactory = _ => VectorIndexes.Links };
        var efConstruction = new Option<int>("--ef-construction") { Description = "HNSW build candidate list (the platform's, VectorIndexes.BuildCandidates; pgvector's default is 64)", DefaultValueFactory = _ => VectorIndexes.BuildCandidates };
        var efSearch = new Option<string>("--ef-search") { Description = "comma-separated hnsw.ef_search values to measure", DefaultValueFactory = _ => "40,100,200" };
        var seed = new Option<int>("--seed") { Description = "seed of the vectors", DefaultValueFactory = _ => 1 };
        var keep = new Option<bool>("--keep") { Description = "keep the scratch database" };
        var exactQueries = new Option<int>("--exact-queries") { Description = "queries timed through the database's own exact search (a sequential scan: seconds each at a million rows)", DefaultValueFactory = _ => 20 };
        var postgres = new Option<string>("--postgres") { Description = "PostgreSQL (a role that may create databases): VCP_POSTGRES, else the local stack's" };
        var catalogueVideos = new Option<int>("--catalogue-videos") { Description = "world videos analysed before the timed searches", DefaultValueFactory = _ => 6 };
        var loadVideos = new Option<int>("--load-videos") { Description = "world videos uploaded to keep the worker busy while searching", DefaultValueFactory = _ => 12 };
        var scenes = new Option<int>("--scenes") { Description = "4-second scenes per video", DefaultValueFactory = _ => 10 };
        var httpQueries = new Option<int>("--http-queries") { Description = "searches at most while the worker is busy", DefaultValueFactory = _ => 600 };
        var timeout = new Option<double>("--timeout") { Description = "seconds to wait for the platform to analyse a batch of videos", DefaultValueFactory = _ => 900 };
        var gateway = GatewayAddressOption.Create("gateway address (started with ./vcp up when it does not answer)");
        var command = new Command("search", "pgvector HNSW build time, recall@10 and latency on synthetic vectors; HTTP search latency while a worker is busy")
        {
            part, clips, dimension, queries, distribution, clusters, m, efConstruction, efSearch, seed, keep, exactQueries, postgres,
            catalogueVideos, loadVideos, scenes, httpQueries, timeout, gateway,
        };
        command.SetGuardedAction(async (parse, cancellationToken) =>
        {
            var which = parse.GetValue(part)!;
            var indexSettings = new VectorIndexSettings(
                Positive(parse.GetValue(clips), "--clips"), Positive(parse.GetValue(dimension), "--dimension"), Positive(parse.GetValue(queries), "--queries"),
                parse.GetValue(distribution)!, Positive(parse.GetValue(clusters), "--clusters"), Positive(parse.GetValue(m), "--m"),
                Positive(parse.GetValue(efConstruction), "--ef-construction"), ParseList(parse.GetValue(efSearch)!), parse.GetValue(seed), parse.GetValue(keep),
                Math.Min(Positive(parse.GetValue(exactQueries), "--exact-queries"), parse.GetValue(queries)));
            if (indexSettings.Dimension > 2000) throw new UserInputException("--dimension must be at most 2000 (pgvector's HNSW limit)");
            if (which is "all" or "index")
            {
                await RunIndexAsync(indexSettings, parse.GetValue(postgres), cancellationToken);
            }
            if (which is "all" or "http")
            {
                await RunHttpAsync(
                    Positive(parse.GetValue(catalogueVideos), "--catalogue-videos"), Positive(parse.GetValue(loadVideos), "--load-videos"),
                    Positive(parse.GetValue(scenes), "--scenes"), Positive(parse.GetValue(httpQueries), "--http-queries"),
                    TimeSpan.FromSeconds(parse.GetValue(timeout)), parse.GetValue(gateway)!, parse.GetValue(seed), cancellationToken);
            }
            return 0;
        });
        return command;
    }

    private static async Task RunIndexAsync(VectorIndexSettings settings, string? postgres, CancellationToken cancellationToken)
    {
        var connection = string.IsNullOrWhiteSpace(postgres)
            ? Environment.GetEnvironmentVariable("VCP_POSTGRES") is { Length: > 0 } fromEnvironment ? fromEnvironment : "Host=127.0.0.1;Port=55432;Database=vcp;Username=vcp;Password=vcp"
            : postgres;
        var benchmark = new VectorIndexBenchmark(connection, settings);
        var report = await CommandRunner.WithProgressAsync("vector index", async progress =>
            await benchmark.RunAsync((stage, done, total) => progress(done, total, stage), cancellationToken));
        System.Console.WriteLine(Invariant($"## pgvector HNSW: {settings.Clips:N0} {settings.Distribution} unit vectors of dimension {settings.Dimension}"));
        System.Console.WriteLine(Invariant($"m {settings.M}, ef_construction {settings.EfConstruction}; rows loaded in {report.LoadSeconds:F1} s; index built in {report.BuildSeconds:F1} s ({report.IndexBytes / 1048576.0:F0} MiB); {settings.Queries} queries, each timed once after an untimed pass"));
        System.Console.WriteLine();
        MarkdownTable.Print(["search", ">queries", ">recall@10", ">p50 ms", ">p95 ms"], report.Results.Select(r => (IReadOnlyList<string>)
        [
            r.EfSearch is { } ef ? Invariant($"HNSW, ef_search {ef}") : "exact (sequential scan)",
            Invariant($"{(r.EfSearch is null ? settings.ExactQueries : settings.Queries)}"),
            Invariant($"{r.RecallAt10:F3}"), Invariant($"{r.P50Ms:F2}"), Invariant($"{r.P95Ms:F2}"),
        ]));
        var met = report.Results.Where(r => r.EfSearch is not null && r.RecallAt10 >= RecallAim).MinBy(r => r.P95Ms);
        System.Console.WriteLine();
        System.Console.WriteLine(met is null
            ? Invariant($"aim: recall@10 >= {RecallAim} at p95 <= {IndexP95AimMs} ms (at 1M clips): no ef_search measured reaches the recall")
            : Invariant($"aim: recall@10 >= {RecallAim} at p95 <= {IndexP95AimMs} ms (at 1M clips): ef_search {met.EfSearch} gives {met.RecallAt10:F3} at p95 {met.P95Ms:F2} ms"));
    }

    private static async Task RunHttpAsync(
        int catalogueVideos, int loadVideos, int scenes, int maxQueries, TimeSpan timeout, Uri address, int seed, CancellationToken cancellationToken)
    {
        var work = Directory.CreateTempSubdirectory("vcp-bench-search-").FullName;
        try
        {
            var catalogue = await RenderAsync(Path.Combine(work, "catalogue"), catalogueVideos, scenes, seed, cancellationToken);
            var load = await RenderAsync(Path.Combine(work, "load"), loadVideos, scenes, seed + 1000, cancellationToken);
            using var client = new GatewayClient(address);
            if (!await client.IsReadyAsync(cancellationToken))
            {
                await PlatformCommands.RunPlatformScript("up", cancellationToken);
            }
            using var http = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };
            if (LocalApiKey.Resolve() is { } key)
            {
                http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
            }
            var report = await new SearchHttpBenchmark(client, http, timeout).RunAsync(catalogue, load, maxQueries, cancellationToken);
            System.Console.WriteLine();
            System.Console.WriteLine(Invariant($"## GET /api/search while the worker analyses {report.LoadClips} clips (catalogue of {report.CatalogueClips} analysed clips, limit 10)"));
            System.Console.WriteLine();
            MarkdownTable.Print(["mode", ">queries", ">p50 ms", ">p95 ms", ">max ms"], report.Modes.Select(l => (IReadOnlyList<string>)
            [
                l.Mode, Invariant($"{l.Queries}"), Invariant($"{l.P50Ms:F1}"), Invariant($"{l.P95Ms:F1}"), Invariant($"{l.MaxMs:F1}"),
            ]));
            var worst = report.Modes.Max(l => l.P95Ms);
            System.Console.WriteLine();
            System.Console.WriteLine(Invariant($"aim: HTTP p95 <= {HttpP95AimMs} ms under load: worst mode's p95 {worst:F1} ms ({(worst <= HttpP95AimMs ? "met" : "not met")})"));
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static async Task<IReadOnlyList<string>> RenderAsync(string folder, int count, int scenes, int seed, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(folder);
        var options = new WorldSetOptions(count, seed, scenes, ClipGeometry.Reference);
        await CommandRunner.WithProgressAsync($"rendering {count} videos", async report =>
            await WorldSetGenerator.GenerateAsync(folder, options, (done, total) => report(done, total, ""), cancellationToken));
        return Directory.GetFiles(folder, "*.mp4").Order(StringComparer.Ordinal).ToList();
    }

    private static int Positive(int value, string name) =>
        value >= 1 ? value : throw new UserInputException($"{name} must be at least 1");

    private static IReadOnlyList<int> ParseList(string text)
    {
        var values = new List<int>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value < 1 || value > 1000)
            {
                throw new UserInputException($"--ef-search takes whole numbers from 1 to 1000, separated by commas, not '{part}'");
            }
            values.Add(value);
        }
        return values.Count > 0 ? values : throw new UserInputException("--ef-search names no value");
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
