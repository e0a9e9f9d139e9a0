using VideoCoca.Persistence.Search;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using VideoCoca.Persistence;

namespace VideoCoca.GpuWorkers.Model;

/// <summary>
/// Loads the model and registers its version (upsert by name) before the bus starts: no clip is taken
/// before the worker can analyse it, with the HNSW index of its embeddings. A name already registered with other
/// weights stops the worker.
/// </summary>
public sealed class ModelStartup(ModelRuntime runtime, IDbContextFactory<ResultsDbContext> contexts, ILogger<ModelStartup> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        runtime.Load();
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var name = runtime.VersionName;
        var checksum = runtime.Checksum;
        var now = DateTimeOffset.UtcNow;
        var dimension = runtime.Config.EmbedDim;
        // The update (a no-op but for a version registered before dimensions were kept) makes RETURNING yield the row
        // whether this call inserted it or found it.
        var rows = await db.Database.SqlQuery<RegisteredVersion>($"""
            INSERT INTO model_versions (name, checksum, created_at, embedding_dimension) VALUES ({name}, {checksum}, {now}, {dimension})
            ON CONFLICT (name) DO UPDATE SET embedding_dimension = EXCLUDED.embedding_dimension
            RETURNING id AS "Id", checksum AS "Checksum"
            """).ToListAsync(cancellationToken);
        var row = rows.Single();
        if (row.Checksum != checksum)
        {
            throw new InvalidOperationException(
                $"model version '{name}' is registered with weights {row.Checksum}, but {runtime.Folder} holds {checksum}: give these weights another Worker:ModelVersion");
        }
        runtime.VersionId = row.Id;
        await VectorIndexes.EnsureAsync(db, row.Id, dimension, cancellationToken);
        logger.LogInformation("Model version {Version} registered as id {Id}", name, row.Id);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private sealed class RegisteredVersion
    {
        public int Id { get; set; }

        public string Checksum { get; set; } = "";
    }
}
