using VideoCoca.Persistence.Search;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;
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

    /// <summary>
    /// Stores several uploads' clips' results (no campaign's) under one version in one transaction, as <see cref="StoreAsync"/>
    /// does each: every result row inserted with ON CONFLICT DO NOTHING, labels, answers, search documents and watchlist
    /// flags only for the rows this call inserted, every clip marked analysed. The statements go in two round trips
    /// (results, then the rest) rather than a dozen a clip. A clip whose row is gone fails the whole transaction (a
    /// foreign key violation); the caller then stores the clips one by one.
    /// </summary>
    /// <returns>The clips whose results this call stored (the others' were already there).</returns>
    public async Task<IReadOnlySet<Guid>> StoreBatchAsync(
        IReadOnlyList<(Guid ClipId, ClipPrediction Prediction)> results, int modelVersionId, DateTimeOffset at, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        await watch.PrepareAsync(db, modelVersionId, cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var connection = (NpgsqlConnection)db.Database.GetDbConnection();
        var npgsqlTransaction = (NpgsqlTransaction)transaction.GetDbTransaction();
        var inserted = new HashSet<Guid>();
        await using (var batch = new NpgsqlBatch(connection, npgsqlTransaction))
        {
            foreach (var (clipId, prediction) in results)
            {
                batch.BatchCommands.Add(Command("""
                    INSERT INTO clip_results (clip_id, model_version_id, caption, embedding, created_at)
                    VALUES ($1, $2, $3, $4, $5)
                    ON CONFLICT (clip_id, model_version_id) DO NOTHING
                    RETURNING clip_id
                    """, clipId, modelVersionId, prediction.Caption, prediction.Embedding, at));
            }
            await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
            do
            {
                while (await reader.ReadAsync(cancellationToken)) inserted.Add(reader.GetGuid(0));
            }
            while (await reader.NextResultAsync(cancellationToken));
        }
        var stored = results.Where(r => inserted.Contains(r.ClipId)).ToList();
        await using (var batch = new NpgsqlBatch(connection, npgsqlTransaction))
        {
            if (stored.Count > 0)
            {
                var labels = stored.SelectMany(r => r.Prediction.Labels.Select((label, rank) => (r.ClipId, label.Label, Confidence: (double)label.Confidence, Rank: rank))).ToList();
                batch.BatchCommands.Add(Command("""
                    INSERT INTO clip_labels (clip_id, model_version_id, label, confidence, rank)
                    SELECT l.clip_id, $2, l.label, l.confidence, l.rank FROM unnest($1::uuid[], $3::text[], $4::float8[], $5::int4[]) AS l(clip_id, label, confidence, rank)
                    ON CONFLICT DO NOTHING
                    """, labels.Select(l => l.ClipId).ToArray(), modelVersionId, labels.Select(l => l.Label).ToArray(),
                    labels.Select(l => l.Confidence).ToArray(), labels.Select(l => l.Rank).ToArray()));
                var answers = stored.SelectMany(r => r.Prediction.Answers.Select(a => (r.ClipId, a.Question, a.Answer))).ToList();
                batch.BatchCommands.Add(Command("""
                    INSERT INTO clip_answers (clip_id, model_version_id, question, answer)
                    SELECT a.clip_id, $2, a.question, a.answer FROM unnest($1::uuid[], $3::text[], $4::text[]) AS a(clip_id, question, answer)
                    ON CONFLICT DO NOTHING
                    """, answers.Select(a => a.ClipId).ToArray(), modelVersionId, answers.Select(a => a.Question).ToArray(), answers.Select(a => a.Answer).ToArray()));
                batch.BatchCommands.Add(Command(ClipDocuments.RefreshManySql, stored.Select(r => r.ClipId).ToArray(), modelVersionId));
            }
            batch.BatchCommands.Add(Command(
                "UPDATE clips SET state = 'analysed', error = NULL WHERE id = ANY ($1) AND state <> 'analysed'", results.Select(r => r.ClipId).ToArray()));
            await batch.ExecuteNonQueryAsync(cancellationToken);
        }
        if (stored.Count > 0)
        {
            await watch.FlagAsync(db, stored.Select(r => r.ClipId).ToList(), modelVersionId, at, cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        return inserted;
    }

    private static NpgsqlBatchCommand Command(string sql, params object[] values)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var value in values) command.Parameters.Add(new NpgsqlParameter { Value = value });
        return command;
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
