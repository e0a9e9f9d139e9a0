using System.Diagnostics;
using System.Globalization;
using Npgsql;
using NpgsqlTypes;
using Pgvector;
using static TorchSharp.torch;

namespace VideoCoca.Cli.Benchmarks;

/// <summary>What one run of the vector-index bench measures.</summary>
public sealed record VectorIndexSettings(
    int Clips, int Dimension, int Queries, string Distribution, int Clusters, int M, int EfConstruction,
    IReadOnlyList<int> EfSearch, int Seed, bool Keep, int ExactQueries);

/// <summary>One ef_search setting: recall@10 against exact search and the latency of a query.</summary>
public sealed record VectorQueryResult(string Method, int? EfSearch, double RecallAt10, double P50Ms, double P95Ms);

/// <summary>The whole run: how long the rows took to load and the index to build, and each query setting.</summary>
public sealed record VectorIndexReport(
    VectorIndexSettings Settings, double LoadSeconds, double BuildSeconds, long IndexBytes, IReadOnlyList<VectorQueryResult> Results);

/// <summary>
/// pgvector's HNSW index on synthetic unit vectors, in a scratch database of the platform's PostgreSQL: load the rows
/// (binary COPY), build the index, then for each ef_search run the same queries through it and compare each top 10
/// with the exact top 10 (computed in this process by a matrix product, so the truth does not come from the database
/// under test); then the database's own exact search (a sequential scan) on a few queries, for scale.
/// </summary>
public sealed class VectorIndexBenchmark(string adminConnectionString, VectorIndexSettings settings)
{
    private const int TopK = 10;

    public async Task<VectorIndexReport> RunAsync(Action<string, double, double> progress, CancellationToken cancellationToken)
    {
        var database = $"vcp_bench_search_{Guid.NewGuid():N}"[..32];
        await ExecuteAdminAsync($"CREATE DATABASE {database}", cancellationToken);
        try
        {
            var builder = new NpgsqlConnectionStringBuilder(adminConnectionString) { Database = database, Pooling = true, CommandTimeout = 0 };
            var source = new NpgsqlDataSourceBuilder(builder.ConnectionString);
            source.UseVector();
            await using var dataSource = source.Build();
            return await RunInAsync(dataSource, progress, cancellationToken);
        }
        finally
        {
            if (!settings.Keep)
            {
                NpgsqlConnection.ClearAllPools();
                await ExecuteAdminAsync($"DROP DATABASE IF EXISTS {database} WITH (FORCE)", CancellationToken.None);
            }
        }
    }

    private async Task<VectorIndexReport> RunInAsync(NpgsqlDataSource dataSource, Action<string, double, double> progress, CancellationToken cancellationToken)
    {
        await using (var setup = dataSource.CreateCommand($"""
            CREATE EXTENSION IF NOT EXISTS vector;
            CREATE TABLE bench_vectors (id integer PRIMARY KEY, embedding vector({settings.Dimension}) NOT NULL)
            """))
        {
            await setup.ExecuteNonQueryAsync(cancellationToken);
        }

        // The rows and the queries come from one seeded generator; the rows are also kept here for the exact search.
        var generator = new SyntheticEmbeddings(settings.Dimension, settings.Distribution, settings.Clusters, settings.Seed);
        var random = new Random(settings.Seed + 1);
        var data = new float[(long)settings.Clips * settings.Dimension];
        var loadClock = Stopwatch.StartNew();
        await using (var connection = await dataSource.OpenConnectionAsync(cancellationToken))
        await using (var writer = await connection.BeginBinaryImportAsync("COPY bench_vectors (id, embedding) FROM STDIN (FORMAT BINARY)", cancellationToken))
        {
            for (var i = 0; i < settings.Clips; i++)
            {
                var vector = generator.Next(random);
                vector.CopyTo(data, (long)i * settings.Dimension);
                await writer.StartRowAsync(cancellationToken);
                await writer.WriteAsync(i, NpgsqlDbType.Integer, cancellationToken);
                await writer.WriteAsync(new Vector(vector), cancellationToken);
                if (i % 10_000 == 0) progress("loading rows", i, settings.Clips);
            }
            await writer.CompleteAsync(cancellationToken);
        }
        progress("loading rows", settings.Clips, settings.Clips);
        var loadSeconds = loadClock.Elapsed.TotalSeconds;
        var queries = Enumerable.Range(0, settings.Queries).Select(_ => generator.Next(random)).ToList();

        var buildSeconds = await BuildIndexAsync(dataSource, progress, cancellationToken);
        long indexBytes;
        await using (var size = dataSource.CreateCommand("SELECT pg_relation_size('bench_vectors_hnsw')"))
        {
            indexBytes = (long)(await size.ExecuteScalarAsync(cancellationToken))!;
        }

        progress("exact top 10 of every query", 0, 1);
        var truth = ExactTopK(data, queries);
        var results = new List<VectorQueryResult>();
        foreach (var ef in settings.EfSearch)
        {
            results.Add(await MeasureAsync(dataSource, queries, truth, ef, progress, cancellationToken));
        }
        results.Add(await MeasureAsync(dataSource, queries.Take(settings.ExactQueries).ToList(), truth, null, progress, cancellationToken));
        return new VectorIndexReport(settings, loadSeconds, buildSeconds, indexBytes, results);
    }

    /// <summary>Builds the index while a second connection follows its progress (pg_stat_progress_create_index).</summary>
    private async Task<double> BuildIndexAsync(NpgsqlDataSource dataSource, Action<string, double, double> progress, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        // Enough memory for the whole graph: a build that spills to disk is many times slower. One parallel worker: two cores.
        await using (var set = new NpgsqlCommand("SET maintenance_work_mem = '8GB'; SET max_parallel_maintenance_workers = 1", connection))
        {
            await set.ExecuteNonQueryAsync(cancellationToken);
        }
        await using var build = new NpgsqlCommand(string.Create(CultureInfo.InvariantCulture, $"""
            CREATE INDEX bench_vectors_hnsw ON bench_vectors USING hnsw (embedding vector_cosine_ops)
            WITH (m = {settings.M}, ef_construction = {settings.EfConstruction})
            """), connection);
        var building = build.ExecuteNonQueryAsync(cancellationToken);
        await using (var watcher = await dataSource.OpenConnectionAsync(cancellationToken))
        {
            while (!building.IsCompleted)
            {
                await using var poll = new NpgsqlCommand("SELECT coalesce(max(tuples_done), 0) FROM pg_stat_progress_create_index", watcher);
                var done = Convert.ToDouble(await poll.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture);
                progress("building the HNSW index", done, settings.Clips);
                await Task.WhenAny(building, Task.Delay(1000, cancellationToken));
            }
        }
        await building;
        progress("building the HNSW index", settings.Clips, settings.Clips);
        return clock.Elapsed.TotalSeconds;
    }

    /// <summary>Runs each query once untimed (to bring the index into memory), then timed; ef null is exact search (no index).</summary>
    private async Task<VectorQueryResult> MeasureAsync(
        NpgsqlDataSource dataSource, IReadOnlyList<float[]> queries, IReadOnlyList<int[]> truth, int? ef,
        Action<string, double, double> progress, CancellationToken cancellationToken)
    {
        var label = ef is { } value ? $"HNSW, ef_search {value}" : "exact (sequential scan)";
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        // A pooled connection keeps its prepared statements, and a prepared statement keeps the plan it was made with
        // whatever the settings say now: the "exact" run would reuse the index plan of the run before it.
        connection.UnprepareAll();
        var session = ef is { } e
            ? string.Create(CultureInfo.InvariantCulture, $"SET hnsw.ef_search = {e}; SET enable_seqscan = off")
            : "SET enable_indexscan = off; SET enable_bitmapscan = off; SET max_parallel_workers_per_gather = 1";
        await using (var set = new NpgsqlCommand(session, connection))
        {
            await set.ExecuteNonQueryAsync(cancellationToken);
        }
        await using var query = new NpgsqlCommand("SELECT id FROM bench_vectors ORDER BY embedding <=> $1 LIMIT 10", connection);
        query.Parameters.Add(new NpgsqlParameter { Value = new Vector(queries[0]) });
        await query.PrepareAsync(cancellationToken);

        var timings = new List<double>();
        var recall = 0.0;
        for (var pass = 0; pass < 2; pass++)
        {
            for (var q = 0; q < queries.Count; q++)
            {
                query.Parameters[0].Value = new Vector(queries[q]);
                var clock = Stopwatch.StartNew();
                var found = new List<int>(TopK);
                await using (var reader = await query.ExecuteReaderAsync(cancellationToken))
                {
                    while (await reader.ReadAsync(cancellationToken)) found.Add(reader.GetInt32(0));
                }
                if (pass == 1)
                {
                    timings.Add(clock.Elapsed.TotalMilliseconds);
                    recall += found.Intersect(truth[q]).Count() / (double)TopK;
                }
                progress(label, pass * queries.Count + q + 1, 2 * queries.Count);
            }
        }
        return new VectorQueryResult(ef is null ? "exact" : "hnsw", ef, recall / queries.Count, Statistics.Percentile(timings, 0.50), Statistics.Percentile(timings, 0.95));
    }

    /// <summary>Each query's true 10 nearest rows by cosine (the vectors are unit length: the largest dot products), in chunks of rows.</summary>
    private IReadOnlyList<int[]> ExactTopK(float[] data, IReadOnlyList<float[]> queries)
    {
        using var scope = NewDisposeScope();
        var dimension = settings.Dimension;
        var q = tensor(queries.SelectMany(v => v).ToArray(), [queries.Count, dimension]);
        const int chunk = 100_000;
        Tensor? bestScores = null;
        Tensor? bestIds = null;
        for (long start = 0; start < settings.Clips; start += chunk)
        {
            var rows = (int)Math.Min(chunk, settings.Clips - start);
            var block = tensor(new ReadOnlySpan<float>(data, (int)(start * dimension), rows * dimension).ToArray(), [rows, dimension]);
            var scores = q.matmul(block.t());
            var (topScores, topIds) = scores.topk(Math.Min(TopK, rows), dim: 1);
            topIds = topIds + start;
            if (bestScores is null)
            {
                (bestScores, bestIds) = (topScores, topIds);
            }
            else
            {
                var merged = cat([bestScores, topScores], 1);
                var mergedIds = cat([bestIds!, topIds], 1);
                var (keep, at) = merged.topk(TopK, dim: 1);
                (bestScores, bestIds) = (keep, mergedIds.gather(1, at));
            }
        }
        var ids = bestIds!.to_type(ScalarType.Int32).data<int>().ToArray();
        return Enumerable.Range(0, queries.Count).Select(i => ids.AsSpan(i * TopK, TopK).ToArray()).ToList();
    }

    private async Task ExecuteAdminAsync(string sql, CancellationToken cancellationToken)
    {
        var admin = new NpgsqlConnectionStringBuilder(adminConnectionString) { Pooling = false };
        await using var connection = new NpgsqlConnection(admin.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
