using VideoCoca.Persistence.Search;
using Microsoft.EntityFrameworkCore;
using VideoCoca.Inference;
using VideoCoca.GpuWorkers.Watch;
using VideoCoca.Persistence;

namespace VideoCoca.GpuWorkers.Analysis;

/// <summary>
/// Stores one clip's results under (clip, model version), once: the result row is inserted with
/// ON CONFLICT DO NOTHING, and its labels and answers only by the transaction that inserted it, so a
/// redelivered clip writes nothing and fails nothing. A campaign's clip settles its line in the campaign's ledger in the
/// same transaction, and leaves the clip's own state (its upload's verdict) alone.
/// </summary>
public sealed class ClipResultWriter(IDbContextFactory<ResultsDbContext> contexts, ResultWatch watch)
{
    /// <returns>True when this call stored the results, false when they were already there.</returns>
    public async Task<bool> StoreAsync(
        Guid clipId, int modelVersionId, ClipPrediction prediction, DateTimeOffset at, Guid? campaignId, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        await watch.PrepareAsync(db, modelVersionId, cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var caption = prediction.Caption;
        var embedding = prediction.Embedding;
        var inserted = await db.Database.ExecuteSqlAsync($"""
            INSERT INTO clip_results (clip_id, model_version_id, caption, embedding, created_at)
            VALUES ({clipId}, {modelVersionId}, {caption}, {embedding}, {at})
            ON CONFLICT (clip_id, model_version_id) DO NOTHING
            """, cancellationToken);
        if (inserted == 1)
        {
            for (var rank = 0; rank < prediction.Labels.Count; rank++)
            {
                var label = prediction.Labels[rank];
                var confidence = (double)label.Confidence;
                await db.Database.ExecuteSqlAsync($"""
                    INSERT INTO clip_labels (clip_id, model_version_id, label, confidence, rank)
                    VALUES ({clipId}, {modelVersionId}, {label.Label}, {confidence}, {rank})
                    ON CONFLICT DO NOTHING
                    """, cancellationToken);
            }
            foreach (var answer in prediction.Answers)
            {
                await db.Database.ExecuteSqlAsync($"""
                    INSERT INTO clip_answers (clip_id, model_version_id, question, answer)
                    VALUES ({clipId}, {modelVersionId}, {answer.Question}, {answer.Answer})
                    ON CONFLICT DO NOTHING
                    """, cancellationToken);
            }
        }
        if (inserted == 1)
        {
            await ClipDocuments.RefreshAsync(db, clipId, modelVersionId, cancellationToken);
            await watch.FlagAsync(db, clipId, modelVersionId, at, cancellationToken);
        }
        if (campaignId is { } campaign)
        {
            await db.Database.ExecuteSqlAsync($"""
                UPDATE campaign_clips SET state = 'done', finished_at = {at}, error = NULL
                WHERE campaign_id = {campaign} AND clip_id = {clipId} AND state <> 'done'
                """, cancellationToken);
        }
        else
        {
            await db.Database.ExecuteSqlAsync(
                $"UPDATE clips SET state = 'analysed', error = NULL WHERE id = {clipId} AND state <> 'analysed'", cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        return inserted == 1;
    }

    /// <summary>Marks the clip failed with the reason, unless its results are already stored (a campaign's clip: its ledger line).</summary>
    public async Task MarkFailedAsync(Guid clipId, string reason, Guid? campaignId, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        if (campaignId is { } campaign)
        {
            var at = DateTimeOffset.UtcNow;
            await db.Database.ExecuteSqlAsync($"""
                UPDATE campaign_clips SET state = 'failed', finished_at = {at}, error = {reason}
                WHERE campaign_id = {campaign} AND clip_id = {clipId} AND state = 'queued'
                """, cancellationToken);
            return;
        }
        await db.Database.ExecuteSqlAsync(
            $"UPDATE clips SET state = 'failed', error = {reason} WHERE id = {clipId} AND state <> 'analysed'", cancellationToken);
    }
}
