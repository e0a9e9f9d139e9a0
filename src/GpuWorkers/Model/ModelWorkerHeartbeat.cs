using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using VideoCoca.GpuWorkers.Hosting;
using VideoCoca.Persistence;

namespace VideoCoca.GpuWorkers.Model;

/// <summary>
/// Says, every <see cref="WorkerOptions.HeartbeatPeriod"/>, that this worker serves its model version (a model_workers row):
/// GET /api/models counts the workers running each version now, and removes its row when it stops. A worker killed
/// outright leaves a row that stops being fresh.
/// </summary>
public sealed class ModelWorkerHeartbeat(
    ModelRuntime runtime, IDbContextFactory<ResultsDbContext> contexts, IOptions<WorkerOptions> options, TimeProvider clock,
    ILogger<ModelWorkerHeartbeat> logger) : BackgroundService
{
    private readonly string _id = $"{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..8]}";
    private readonly DateTimeOffset _started = clock.GetUtcNow();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.HeartbeatPeriod, clock);
        do
        {
            try
            {
                await BeatAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning(e, "Worker heartbeat not recorded; trying again in {Period}", options.Value.HeartbeatPeriod);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        try
        {
            await using var db = await contexts.CreateDbContextAsync(cancellationToken);
            await db.Database.ExecuteSqlAsync($"DELETE FROM model_workers WHERE id = {_id}", cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning(e, "Worker heartbeat row {Id} not removed", _id);
        }
    }

    private async Task BeatAsync(CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var now = clock.GetUtcNow();
        await db.Database.ExecuteSqlAsync($"""
            INSERT INTO model_workers (id, model_version_id, host_name, started_at, seen_at)
            VALUES ({_id}, {runtime.VersionId}, {Environment.MachineName}, {_started}, {now})
            ON CONFLICT (id) DO UPDATE SET seen_at = EXCLUDED.seen_at
            """, cancellationToken);
    }
}
