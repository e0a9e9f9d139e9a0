using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Pgvector;
using VideoCoca.GpuWorkers.Model;
using VideoCoca.Persistence;
using VideoCoca.Persistence.Watch;
using static TorchSharp.torch;

namespace VideoCoca.GpuWorkers.Watch;

/// <summary>
/// The worker's side of watchlists: each result it writes is matched against every watchlist in the transaction that
/// writes it. Query rules compare the clip's embedding with the rule's text embedding under this worker's version,
/// which the gateway stored only for the version that read when the list was made; this worker embeds whatever rule
/// lacks one for its version with its own text tower, before the result's transaction.
/// </summary>
public sealed class ResultWatch(ModelRuntime runtime, ILogger<ResultWatch> logger)
{
    // Rule texts this process has embedded: a text embedded once is stored again for a new rule without the model.
    private readonly ConcurrentDictionary<string, float[]> _embedded = new(StringComparer.Ordinal);

    /// <summary>
    /// Stores the embedding under <paramref name="modelVersionId"/> of every query rule that has none. The look-up is
    /// one indexed query that finds nothing almost always; it runs per result, so a list made a moment ago counts.
    /// </summary>
    public async Task PrepareAsync(ResultsDbContext db, int modelVersionId, CancellationToken cancellationToken)
    {
        var missing = await db.WatchlistRules.AsNoTracking()
            .Where(r => r.Kind == Persistence.Entities.WatchRuleKind.Query
                && !r.Embeddings.Any(e => e.ModelVersionId == modelVersionId))
            .Select(r => new { r.Id, r.Text })
            .ToListAsync(cancellationToken);
        if (missing.Count == 0)
        {
            return;
        }
        var texts = missing.Select(r => r.Text).Where(t => !_embedded.ContainsKey(t)).Distinct(StringComparer.Ordinal).ToList();
        if (texts.Count > 0)
        {
            await EmbedAsync(texts);
        }
        foreach (var rule in missing)
        {
            var embedding = new Vector(_embedded[rule.Text]);
            // The rule may be gone by now (its list deleted): then there is nothing to store.
            await db.Database.ExecuteSqlAsync($"""
                INSERT INTO watchlist_rule_embeddings (rule_id, model_version_id, embedding)
                SELECT {rule.Id}, {modelVersionId}, {embedding} WHERE EXISTS (SELECT 1 FROM watchlist_rules WHERE id = {rule.Id})
                ON CONFLICT (rule_id, model_version_id) DO NOTHING
                """, cancellationToken);
        }
        logger.LogInformation("Embedded {Rules} watchlist query rules for model version {Version}", missing.Count, runtime.VersionName);
    }

    /// <summary>Flags the clip's new result against every watchlist; call it in the transaction that inserted the result.</summary>
    public async Task FlagAsync(ResultsDbContext db, Guid clipId, int modelVersionId, DateTimeOffset at, CancellationToken cancellationToken)
    {
        var raised = await WatchlistMatcher.FlagAsync(db, modelVersionId, [clipId], watchlistId: null, at, cancellationToken);
        foreach (var flag in raised)
        {
            logger.LogInformation("Clip {ClipId} flagged by watchlist {Watchlist}: {Reason}", clipId, flag.WatchlistName, flag.Reason);
        }
    }

    /// <summary>Flags several clips' new results against every watchlist; call it in the transaction that inserted the results.</summary>
    public async Task FlagAsync(ResultsDbContext db, IReadOnlyCollection<Guid> clipIds, int modelVersionId, DateTimeOffset at, CancellationToken cancellationToken)
    {
        var raised = await WatchlistMatcher.FlagAsync(db, modelVersionId, clipIds, watchlistId: null, at, cancellationToken);
        foreach (var flag in raised)
        {
            logger.LogInformation("Clip {ClipId} flagged by watchlist {Watchlist}: {Reason}", flag.ClipId, flag.WatchlistName, flag.Reason);
        }
    }

    private async Task EmbedAsync(IReadOnlyList<string> texts)
    {
        // The gate: the text tower shares the device (and torch's threads) with the clips' forward passes.
        using (await runtime.Gate.EnterAsync())
        {
            var (values, width) = await runtime.Thread.RunAsync(() =>
            {
                using var scope = NewDisposeScope();
                var vectors = runtime.Predictor.EmbedTexts(texts).cpu();
                return (vectors.data<float>().ToArray(), (int)vectors.shape[1]);
            });
            for (var i = 0; i < texts.Count; i++)
            {
                _embedded[texts[i]] = values.AsSpan(i * width, width).ToArray();
            }
        }
    }
}
