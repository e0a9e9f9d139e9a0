using VideoCoca.Persistence.Search;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using VideoCoca.Configuration;
using VideoCoca.GpuWorkers.Analysis;
using VideoCoca.Persistence;

namespace VideoCoca.GpuWorkers.Model;

/// <summary>
/// Loads the model and registers its version (upsert by name) before the bus starts: no clip is taken
/// before the worker can analyse it, with the HNSW index of its embeddings. A name already registered with other
/// weights stops the worker. The first version of an empty platform becomes its active version.
/// </summary>
public sealed class ModelStartup(ModelRuntime runtime, IDbContextFactory<ResultsDbContext> contexts, ILogger<ModelStartup> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await runtime.LoadAsync();
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var name = runtime.VersionName;
        var checksum = runtime.Checksum;
        var now = DateTimeOffset.UtcNow;
        var config = runtime.Config;
        var dimension = config.EmbedDim;
        var (frames, height, width) = (config.Video.Frames, config.Vision.ImageHeight, config.Vision.ImageWidth);
        var resize = config.Preprocess.Resize == ResizeMode.Stretch ? "stretch" : "crop";
        var summary = Summary(config);
        // The update (a no-op for a version registered with these weights) makes RETURNING yield the row whether this call
        // inserted it or found it, and fills in what versions registered before inputs were kept lack.
        var rows = await db.Database.SqlQuery<RegisteredVersion>($"""
            INSERT INTO model_versions (name, checksum, created_at, embedding_dimension, input_frames, input_height, input_width, input_resize, config_summary)
            VALUES ({name}, {checksum}, {now}, {dimension}, {frames}, {height}, {width}, {resize}, {summary})
            ON CONFLICT (name) DO UPDATE SET embedding_dimension = EXCLUDED.embedding_dimension,
                input_frames = EXCLUDED.input_frames, input_height = EXCLUDED.input_height, input_width = EXCLUDED.input_width,
                input_resize = EXCLUDED.input_resize, config_summary = EXCLUDED.config_summary
            RETURNING id AS "Id", checksum AS "Checksum"
            """).ToListAsync(cancellationToken);
        var row = rows.Single();
        if (row.Checksum != checksum)
        {
            throw new InvalidOperationException(
                $"model version '{name}' is registered with weights {row.Checksum}, but {runtime.Folder} holds {checksum}: give these weights another Worker:ModelVersion");
        }
        runtime.VersionId = row.Id;
        // The first version of an empty platform reads and takes uploads at once; any later one waits for an operator.
        var activated = await db.Database.ExecuteSqlAsync($"""
            UPDATE model_versions SET activated_at = {now}
            WHERE id = {row.Id} AND NOT EXISTS (SELECT 1 FROM model_versions WHERE activated_at IS NOT NULL)
            """, cancellationToken);
        if (activated == 1)
        {
            logger.LogInformation("Model version {Version} is the first registered: it is now the active version", name);
        }
        await VectorIndexes.EnsureAsync(db, row.Id, dimension, cancellationToken);
        var startup = DateTime.Now - System.Diagnostics.Process.GetCurrentProcess().StartTime;
        AnalysisTelemetry.StartedUp(startup);
        logger.LogInformation("Model version {Version} registered as id {Id}, {Seconds:0.0} s after the process started", name, row.Id, startup.TotalSeconds);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>"tiny: 8 frames of 48x64 (stretch), embeddings of 64; vision 3 x 96, text 2 x 64, decoder 2 x 64".</summary>
    public static string Summary(ModelConfig config) =>
        $"{config.Name}: {config.Video.Frames} frames of {config.Vision.ImageHeight}x{config.Vision.ImageWidth} " +
        $"({(config.Preprocess.Resize == ResizeMode.Stretch ? "stretch" : "crop")}), embeddings of {config.EmbedDim}; " +
        $"vision {config.Vision.Layers} x {config.Vision.Width}, text {config.Text.Layers} x {config.Text.Width}, " +
        $"decoder {config.Multimodal.Layers} x {config.Multimodal.Width}, {config.Video.Adaptation} video adaptation";

    private sealed class RegisteredVersion
    {
        public int Id { get; set; }

        public string Checksum { get; set; } = "";
    }
}
