using System.Security.Claims;
using VideoCoca.Gateway.Access;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;
using VideoCoca.Contracts.Api;
using VideoCoca.Contracts.Queries;
using VideoCoca.Gateway.Models;
using VideoCoca.Gateway.Search;
using VideoCoca.Persistence;
using VideoCoca.Persistence.Search;
using VideoCoca.Gateway.Http;

namespace VideoCoca.Gateway.Questions;

/// <summary>Asking about a video after upload: a question answered per clip (stored), labels scored zero-shot (not stored).</summary>
public static class QuestionEndpoints
{
    public const int MaxQuestionLength = 500;
    public const int MaxLabels = 50;
    public const int MaxLabelLength = 200;

    public static void MapQuestionEndpoints(this IEndpointRouteBuilder routes)
    {
        var videos = routes.MapGroup("/api/videos");
        videos.MapPost("/{id}/questions", AskAsync).WithName("AskVideo")
            .WithSummary("Answers a question about every analysed clip of a video (or the listed ones); answers are stored with the clip, so asking again reads them.")
            .Accepts<AskRequest>("application/json").Produces<AskResponse>().ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        videos.MapPost("/{id}/labels", LabelsAsync).WithName("ScoreVideoLabels")
            .WithSummary("Scores every analysed clip of a video against the given labels, zero-shot, as the labels stored at upload are scored: a label of the model's label set by its prompts, any other label by its own text (prompt embeddings against the stored clip embeddings, one softmax over all prompts).")
            .Accepts<LabelsRequest>("application/json").Produces<LabelsResponse>().ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status503ServiceUnavailable);
    }

    private sealed record VideoClip(Guid Id, int Index, double StartSeconds, double EndSeconds, string? FramesPath, int FramesPerClip, bool Analysed);

    private static async Task<IResult> AskAsync(
        string id, [FromBody] AskRequest? body, ClaimsPrincipal user, IDbContextFactory<ResultsDbContext> contexts, IModelQueries models,
        IOptions<SearchOptions> options, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(id, out var videoId)) return ApiProblems.MalformedVideoId(id);
        var question = body?.Question?.Trim();
        if (string.IsNullOrEmpty(question)) return ApiProblems.Invalid("question", "question must not be empty");
        if (question.Length > MaxQuestionLength) return ApiProblems.Invalid("question", $"question must be at most {MaxQuestionLength} characters");
        if (body!.ClipIndexes is { } listed && listed.Any(i => i < 0)) return ApiProblems.Invalid("clip_indexes", "clip_indexes must be clip indexes (0 or more)");

        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        if (!await db.Videos.OwnedBy(user).AnyAsync(v => v.Id == videoId, cancellationToken)) return ApiProblems.UnknownVideo(videoId);
        var version = await ModelVersionResolver.ResolveAsync(db, null, cancellationToken);
        var clips = await ClipsAsync(db, videoId, version?.Id, cancellationToken);
        List<VideoClip> targets;
        if (body.ClipIndexes is { Count: > 0 } indexes)
        {
            var byIndex = clips.ToDictionary(c => c.Index);
            targets = [];
            foreach (var index in indexes.Distinct().Order())
            {
                if (!byIndex.TryGetValue(index, out var clip)) return ApiProblems.UnknownClip(videoId, index);
                if (!clip.Analysed) return ApiProblems.NotAnalysed($"clip {index} of video {videoId} is not analysed yet");
                targets.Add(clip);
            }
        }
        else
        {
            targets = clips.Where(c => c.Analysed).ToList();
            if (targets.Count == 0) return ApiProblems.NotAnalysed($"video {videoId} has no analysed clip yet");
        }
        var versionId = version!.Id;

        var stored = await StoredAnswersAsync(db, versionId, question, targets, cancellationToken);
        var missing = targets.Where(c => !stored.ContainsKey(c.Id)).ToList();
        var errors = new Dictionary<Guid, string>();
        if (missing.Count > 0)
        {
            var settings = options.Value;
            try
            {
                // An empty embedding request answers at once from any live worker of the version (it takes no gate):
                // no worker then means 503 in seconds, not after the generation timeout.
                await models.EmbedTextsAsync(version.Name, [], cancellationToken);
                await Parallel.ForEachAsync(missing.Chunk(settings.AnswerBatchSize),
                    new ParallelOptions { MaxDegreeOfParallelism = settings.ParallelAnswerRequests, CancellationToken = cancellationToken },
                    async (batch, token) =>
                    {
                        var clipsAsked = batch.Where(c => c.FramesPath is not null).ToList();
                        var response = await models.AnswerAsync(version.Name, question, clipsAsked
                            .Select(c => SearchEndpoints.QueryClipOf(new FoundClip(c.Id, videoId, c.Index, c.StartSeconds, c.EndSeconds, "", null, c.FramesPath, c.FramesPerClip)))
                            .ToList(), token);
                        await StoreAsync(contexts, versionId, question, response.Answers.Where(a => a.Answer is not null).ToList(), token);
                        lock (errors)
                        {
                            foreach (var failed in response.Answers.Where(a => a.Answer is null)) errors[failed.ClipId] = failed.Error ?? "no answer";
                            foreach (var noFrames in batch.Where(c => c.FramesPath is null)) errors[noFrames.Id] = "the clip has no stored frames (deleted under Retention:Frames once its video was analysed)";
                        }
                    });
            }
            catch (ModelUnavailableException e)
            {
                return ApiProblems.ModelUnavailable(e);
            }
            // Read back: a concurrent ask of the same question may have stored first (ON CONFLICT DO NOTHING keeps its row).
            stored = await StoredAnswersAsync(db, versionId, question, targets, cancellationToken);
        }
        var answers = targets.Select(c => new ClipAnswerItem(c.Index, c.StartSeconds, c.EndSeconds,
            stored.GetValueOrDefault(c.Id), stored.ContainsKey(c.Id) ? null : errors.GetValueOrDefault(c.Id, "no answer"))).ToList();
        return Results.Ok(new AskResponse(question, version.Name, answers));
    }

    private static async Task<IResult> LabelsAsync(
        string id, [FromBody] LabelsRequest? body, ClaimsPrincipal user, IDbContextFactory<ResultsDbContext> contexts, IModelQueries models, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(id, out var videoId)) return ApiProblems.MalformedVideoId(id);
        var labels = body?.Labels?.Select(l => l?.Trim() ?? "").ToList();
        if (labels is null || labels.Count == 0) return ApiProblems.Invalid("labels", "labels must list at least one label");
        if (labels.Count > MaxLabels) return ApiProblems.Invalid("labels", $"labels must list at most {MaxLabels} labels");
        if (labels.Any(l => l.Length is 0 or > MaxLabelLength)) return ApiProblems.Invalid("labels", $"each label must be 1 to {MaxLabelLength} characters");
        // Case is ignored in matching a model's own labels (and the word tokenizers ignore it too), so "Moving left" and
        // "moving left" would be one label asked twice, splitting its confidence between them.
        if (labels.Distinct(StringComparer.OrdinalIgnoreCase).Count() != labels.Count) return ApiProblems.Invalid("labels", "labels must not repeat (ignoring case)");

        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        if (!await db.Videos.OwnedBy(user).AnyAsync(v => v.Id == videoId, cancellationToken)) return ApiProblems.UnknownVideo(videoId);
        var version = await ModelVersionResolver.ResolveAsync(db, null, cancellationToken);
        if (version is null || !await db.ClipResults.AnyAsync(r => r.ModelVersionId == version.Id && r.Clip!.VideoId == videoId, cancellationToken))
        {
            return ApiProblems.NotAnalysed($"video {videoId} has no analysed clip yet");
        }
        LabelPrompts embedded;
        try
        {
            embedded = await models.EmbedLabelsAsync(version.Name, labels, cancellationToken);
        }
        catch (ModelUnavailableException e)
        {
            return ApiProblems.ModelUnavailable(e);
        }
        if (embedded.Labels.Count != labels.Count || embedded.Labels.Any(l => l.Vectors.Count == 0))
        {
            throw new InvalidOperationException($"model version {version.Name} answered {embedded.Labels.Count} prompt sets for {labels.Count} labels");
        }
        // Every prompt of every label, flattened; promptLabel maps a prompt's position back to its label.
        var prompts = embedded.Labels.SelectMany(l => l.Vectors).Select(v => ClipSearch.VectorText(v)).ToArray();
        var promptLabel = embedded.Labels.SelectMany((l, label) => l.Vectors.Select(_ => label)).ToArray();
        var cosines = await CosinesAsync(db, videoId, version.Id, prompts, cancellationToken);
        var statedAs = embedded.Labels.Select(l => l.StatedAs).ToList();
        var grounded = statedAs.Any(s => s is { Count: > 0 });
        var clips = cosines.GroupBy(c => (c.Index, c.Start, c.End, c.Caption)).OrderBy(g => g.Key.Index).Select(g =>
        {
            var byLabel = g.GroupBy(c => promptLabel[c.Prompt]).OrderBy(l => l.Key)
                .Select(l => (IReadOnlyList<double>)l.OrderBy(c => c.Prompt).Select(c => c.Cosine).ToList()).ToList();
            var confidences = ZeroShot.PromptEnsembles(byLabel, embedded.LogitScale);
            // The model's own actions are grounded in the stored caption, as the worker grounded them at upload.
            if (grounded) confidences = ZeroShot.CaptionGrounded(confidences, statedAs, g.Key.Caption);
            var scores = labels.Select((label, i) => new LabelConfidence(label, confidences[i]))
                .OrderByDescending(s => s.Confidence).ToList();
            return new ClipLabelScores(g.Key.Index, g.Key.Start, g.Key.End, scores);
        }).ToList();
        return Results.Ok(new LabelsResponse(version.Name, labels, clips));
    }

    private static async Task<List<VideoClip>> ClipsAsync(ResultsDbContext db, Guid videoId, int? versionId, CancellationToken cancellationToken) =>
        await db.Clips.AsNoTracking().Where(c => c.VideoId == videoId).OrderBy(c => c.Index)
            .Select(c => new VideoClip(c.Id, c.Index, c.StartSeconds, c.EndSeconds, c.FramesDeletedAt == null ? c.FramesPath : null, c.Video!.FramesPerClip,
                versionId != null && c.Results.Any(r => r.ModelVersionId == versionId)))
            .ToListAsync(cancellationToken);

    private static async Task<Dictionary<Guid, string>> StoredAnswersAsync(
        ResultsDbContext db, int versionId, string question, IReadOnlyList<VideoClip> clips, CancellationToken cancellationToken)
    {
        var ids = clips.Select(c => c.Id).ToArray();
        return await db.Set<Persistence.Entities.ClipAnswer>().AsNoTracking()
            .Where(a => a.ModelVersionId == versionId && a.Question == question && ids.Contains(a.ClipId))
            .ToDictionaryAsync(a => a.ClipId, a => a.Answer, cancellationToken);
    }

    /// <summary>
    /// Each answer once under (clip, version, question), and the clip's search document rewritten with it in the same
    /// transaction, so that /clips and full-text search see the answer together or not at all.
    /// </summary>
    private static async Task StoreAsync(
        IDbContextFactory<ResultsDbContext> contexts, int versionId, string question, IReadOnlyList<Contracts.Queries.ClipAnswerText> answers,
        CancellationToken cancellationToken)
    {
        if (answers.Count == 0) return;
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        foreach (var answer in answers)
        {
            var inserted = await db.Database.ExecuteSqlAsync($"""
                INSERT INTO clip_answers (clip_id, model_version_id, question, answer)
                VALUES ({answer.ClipId}, {versionId}, {question}, {answer.Answer})
                ON CONFLICT DO NOTHING
                """, cancellationToken);
            if (inserted == 1)
            {
                await ClipDocuments.RefreshAsync(db, answer.ClipId, versionId, cancellationToken);
            }
        }
        await transaction.CommitAsync(cancellationToken);
    }

    private sealed record ClipCosine(int Index, double Start, double End, int Prompt, double Cosine, string Caption);

    /// <summary>Every analysed clip's cosine similarity to every prompt's embedding, computed where the clip embeddings are.</summary>
    private static async Task<List<ClipCosine>> CosinesAsync(ResultsDbContext db, Guid videoId, int versionId, string[] promptVectors, CancellationToken cancellationToken)
    {
        await db.Database.OpenConnectionAsync(cancellationToken);
        try
        {
            await using var command = (NpgsqlCommand)db.Database.GetDbConnection().CreateCommand();
            command.CommandText = """
                SELECT c.index, c.start_seconds, c.end_seconds, (l.ord - 1)::int, (1 - (r.embedding <=> l.vec::vector))::float8, r.caption
                FROM clips c JOIN clip_results r ON r.clip_id = c.id AND r.model_version_id = @version
                CROSS JOIN unnest(@prompts::text[]) WITH ORDINALITY AS l(vec, ord)
                WHERE c.video_id = @video
                ORDER BY c.index, l.ord
                """;
            command.Parameters.AddWithValue("version", versionId);
            command.Parameters.AddWithValue("prompts", promptVectors);
            command.Parameters.AddWithValue("video", videoId);
            var rows = new List<ClipCosine>();
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                rows.Add(new ClipCosine(reader.GetInt32(0), reader.GetDouble(1), reader.GetDouble(2), reader.GetInt32(3), reader.GetDouble(4), reader.GetString(5)));
            }
            return rows;
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }
}
