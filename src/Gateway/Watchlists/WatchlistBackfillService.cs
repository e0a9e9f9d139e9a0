using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;
using VideoCoca.Gateway.Models;
using VideoCoca.Persistence;
using VideoCoca.Persistence.Watch;

namespace VideoCoca.Gateway.Watchlists;

/// <summary>Wakes the catalogue pass when this gateway made a list, so that it starts at once rather than at the next poll.</summary>
public sealed class WatchlistBackfillSignal
{
    private readonly SemaphoreSlim _signal = new(0, 1);

    public void Wake()
    {
        try
        {
            _signal.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already awake or about to be: one wake covers every list made meanwhile.
        }
    }

    /// <summary>Waits for a wake or the timeout, whichever comes first.</summary>
    public Task WaitAsync(TimeSpan timeout, CancellationToken cancellationToken) => _signal.WaitAsync(timeout, cancellationToken);
}

/// <summary>
/// Runs each new watchlist once over the results already stored under the reading model version (new results are the
/// workers' to match as they write them). Any number of gateways share the work: a list is claimed with
/// <c>FOR NO KEY UPDATE SKIP LOCKED</c> (not FOR UPDATE: the workers' matching holds KEY SHARE locks on the lists,
/// and must neither wait for a claim nor hide a list from it), its claim renewed after every page; a running pass
/// whose claim is older than <see cref="WatchlistOptions.BackfillClaimTimeout"/> lost its gateway and is taken over.
/// Each page of results is matched in its own transaction with its flags, its events and the list's count, so a
/// pass taken over resumes with nothing lost or counted twice (flags already raised are skipped).
/// </summary>
public sealed class WatchlistBackfillService(
    IDbContextFactory<ResultsDbContext> contexts, WatchlistBackfillSignal signal, IOptions<WatchlistOptions> options,
    ILogger<WatchlistBackfillService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                while (await ClaimAsync(stoppingToken) is { } watchlistId)
                {
                    await RunAsync(watchlistId, stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // The database is away, most likely: try again at the next poll (a list claimed meanwhile is retaken
                // once its claim is stale). Never let it end the service: an exception here would stop the gateway.
                logger.LogWarning(e, "The watchlists' catalogue pass failed to claim or run a list; trying again");
            }
            try
            {
                await signal.WaitAsync(options.Value.BackfillPollInterval, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <returns>The list this gateway now runs, or null when none is waiting.</returns>
    private async Task<Guid?> ClaimAsync(CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var now = DateTimeOffset.UtcNow;
        var stale = now - options.Value.BackfillClaimTimeout;
        var claimed = await db.Database.SqlQuery<Guid>($"""
            UPDATE watchlists SET backfill_state = 'running', backfill_claimed_at = {now}, backfill_flags = coalesce(backfill_flags, 0)
            WHERE id = (SELECT id FROM watchlists
                        WHERE backfill_state = 'pending' OR (backfill_state = 'running' AND backfill_claimed_at < {stale})
                        ORDER BY created_at LIMIT 1 FOR NO KEY UPDATE SKIP LOCKED)
            RETURNING id AS "Value"
            """).ToListAsync(cancellationToken);
        return claimed.Count == 0 ? null : claimed[0];
    }

    private async Task RunAsync(Guid watchlistId, CancellationToken cancellationToken)
    {
        try
        {
            int? versionId;
            await using (var db = await contexts.CreateDbContextAsync(cancellationToken))
            {
                versionId = (await ModelVersionResolver.ResolveAsync(db, null, cancellationToken))?.Id;
            }
            var total = 0;
            var after = Guid.Empty; // The smallest uuid in PostgreSQL's order too.
            while (versionId is { } version)
            {
                var page = await RunPageAsync(watchlistId, version, after, cancellationToken);
                if (page is null)
                {
                    logger.LogInformation("Watchlist {Watchlist} was deleted during its catalogue pass", watchlistId);
                    return;
                }
                total += page.Value.Flags;
                if (page.Value.Last is not { } last) break;
                after = last;
            }
            await using (var db = await contexts.CreateDbContextAsync(cancellationToken))
            {
                var now = DateTimeOffset.UtcNow;
                await db.Database.ExecuteSqlAsync(
                    $"UPDATE watchlists SET backfill_state = 'done', backfill_finished_at = {now} WHERE id = {watchlistId} AND backfill_state = 'running'",
                    cancellationToken);
            }
            logger.LogInformation("Watchlist {Watchlist}: catalogue pass done, {Flags} flags raised", watchlistId, total);
        }
        catch (Exception e) when (e is not OperationCanceledException && e is not NpgsqlException { IsTransient: true })
        {
            logger.LogError(e, "Watchlist {Watchlist}: catalogue pass failed", watchlistId);
            await using var db = await contexts.CreateDbContextAsync(CancellationToken.None);
            var now = DateTimeOffset.UtcNow;
            var error = e.Message.Length <= 1000 ? e.Message : e.Message[..1000];
            await db.Database.ExecuteSqlAsync(
                $"UPDATE watchlists SET backfill_state = 'failed', backfill_error = {error}, backfill_finished_at = {now} WHERE id = {watchlistId}",
                CancellationToken.None);
        }
    }

    /// <returns>The flags the page raised and its last clip (null past the end); null when the list is gone.</returns>
    private async Task<(int Flags, Guid? Last)?> RunPageAsync(Guid watchlistId, int versionId, Guid after, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var size = options.Value.BackfillPageSize;
        var clips = await db.Database.SqlQuery<Guid>($"""
            SELECT clip_id AS "Value" FROM clip_results WHERE model_version_id = {versionId} AND clip_id > {after} ORDER BY clip_id LIMIT {size}
            """).ToListAsync(cancellationToken);
        var now = DateTimeOffset.UtcNow;
        var raised = await WatchlistMatcher.FlagAsync(db, versionId, clips, watchlistId, now, cancellationToken);
        var count = raised.Count;
        var renewed = await db.Database.ExecuteSqlAsync($"""
            UPDATE watchlists SET backfill_flags = coalesce(backfill_flags, 0) + {count}, backfill_claimed_at = {now}
            WHERE id = {watchlistId} AND backfill_state = 'running'
            """, cancellationToken);
        if (renewed == 0)
        {
            return null;
        }
        await transaction.CommitAsync(cancellationToken);
        return (count, clips.Count < size ? null : clips[^1]);
    }
}
