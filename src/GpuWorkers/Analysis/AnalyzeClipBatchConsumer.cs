using System.Diagnostics;
using MassTransit;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using VideoCoca.Contracts.Messages;
using VideoCoca.GpuWorkers.Hosting;
using VideoCoca.GpuWorkers.Model;
using VideoCoca.Inference;
using static TorchSharp.torch;
using ContractLabelScore = VideoCoca.Contracts.Messages.LabelScore;
using ContractQuestionAnswer = VideoCoca.Contracts.Messages.QuestionAnswer;

namespace VideoCoca.GpuWorkers.Analysis;

/// <summary>
/// Analyses a batch of clips: reads every clip's frames (a missing or short file fails that clip only), runs
/// one forward pass per distinct set of questions (usually one per batch), stores each clip's results once
/// under (clip, model version), and publishes <see cref="ClipAnalyzed"/> or <see cref="ClipFailed"/> per clip.
/// </summary>
public sealed class AnalyzeClipBatchConsumer(
    ModelRuntime runtime, ClipResultWriter writer, StoredResultsHold hold, IOptions<WorkerOptions> options, ILogger<AnalyzeClipBatchConsumer> logger)
    : IConsumer<Batch<AnalyzeClip>>
{
    public async Task Consume(ConsumeContext<Batch<AnalyzeClip>> context)
    {
        var started = Stopwatch.GetTimestamp();
        var cancellationToken = context.CancellationToken;
        // A redelivered clip may share a batch with its first delivery: analyse it once.
        var clips = context.Message.Select(m => m.Message).DistinctBy(m => m.ClipId).ToList();
        try
        {
            var outcomes = await AnalyseAsync(clips, cancellationToken);
            var analysed = 0;
            foreach (var clip in clips)
            {
                var outcome = outcomes[clip.ClipId];
                if (outcome.Prediction is { } prediction)
                {
                    await context.Publish(new ClipAnalyzed(
                        clip.VideoId, clip.ClipId, clip.ClipIndex, runtime.VersionName, prediction.Caption,
                        prediction.Labels.Select(l => new ContractLabelScore(l.Label, l.Confidence)).ToList(),
                        prediction.Answers.Select(a => new ContractQuestionAnswer(a.Question, a.Answer)).ToList(),
                        outcome.At, clip.CampaignId), cancellationToken);
                    analysed++;
                }
                else
                {
                    await FailAsync(context, clip, outcome.Error!, cancellationToken);
                }
            }
            var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
            logger.LogInformation(
                "Batch of {Messages} messages ({Clips} clips): {Analysed} analysed, {Failed} failed in {Seconds:F2} s ({Rate:F1} clips/s) on {Device}",
                context.Message.Length, clips.Count, analysed, clips.Count - analysed, seconds, clips.Count / Math.Max(seconds, 1e-6), runtime.DeviceName);
        }
        catch (Exception e) when (e is not OperationCanceledException && IsLastAttempt(context))
        {
            // The whole batch goes to the error queue; tell the grains so their videos still complete.
            logger.LogError(e, "Batch of {Clips} clips failed on its last attempt", clips.Count);
            foreach (var clip in clips)
            {
                try
                {
                    await FailAsync(context, clip, $"the worker could not analyse the clip: {e.Message}", CancellationToken.None);
                }
                catch (Exception report)
                {
                    logger.LogError(report, "Could not report clip {ClipId} as failed", clip.ClipId);
                }
            }
            throw;
        }
    }

    private bool IsLastAttempt(ConsumeContext<Batch<AnalyzeClip>> context) =>
        context.Message.All(m => m.GetRetryAttempt() >= options.Value.RetryLimit);

    private async Task FailAsync(ConsumeContext context, AnalyzeClip clip, string reason, CancellationToken cancellationToken)
    {
        logger.LogWarning("Clip {ClipId} (video {VideoId}, index {Index}) failed: {Reason}", clip.ClipId, clip.VideoId, clip.ClipIndex, reason);
        await writer.MarkFailedAsync(clip.ClipId, reason, clip.CampaignId, cancellationToken);
        await context.Publish(new ClipFailed(clip.VideoId, clip.ClipId, clip.ClipIndex, clip.ModelVersion ?? runtime.VersionName, reason, DateTimeOffset.UtcNow, clip.CampaignId), cancellationToken);
    }

    private async Task<Dictionary<Guid, Outcome>> AnalyseAsync(IReadOnlyList<AnalyzeClip> clips, CancellationToken cancellationToken)
    {
        var outcomes = new Dictionary<Guid, Outcome>();
        var reader = new ClipFramesReader(runtime.Config);
        var pixels = new Dictionary<Guid, float[]>();
        var reads = clips.Select(async clip =>
        {
            if (clip.ModelVersion is { } asked && asked != runtime.VersionName)
            {
                return (clip, (float[]?)null, $"this worker runs model version {runtime.VersionName}, not {asked}");
            }
            try
            {
                reader.Validate(clip);
                var buffer = new float[reader.ClipFloats];
                await reader.ReadAsync(clip.Frames, buffer, cancellationToken);
                return (clip, buffer, (string?)null);
            }
            catch (Exception e) when (e is ClipFramesUnreadableException or InvalidClipFramesException)
            {
                return (clip, null, e.Message);
            }
        });
        foreach (var (clip, buffer, error) in await Task.WhenAll(reads))
        {
            if (buffer is null)
            {
                outcomes[clip.ClipId] = new Outcome(null, error, default);
            }
            else
            {
                pixels[clip.ClipId] = buffer;
            }
        }

        foreach (var group in clips.Where(c => pixels.ContainsKey(c.ClipId)).GroupBy(c => QuestionKey(c.Questions)))
        {
            var members = group.ToList();
            var questions = Questions(members[0].Questions);
            foreach (var (clip, result) in await PredictAsync(members, pixels, questions))
            {
                if (result.Prediction is not { } prediction)
                {
                    outcomes[clip.ClipId] = result;
                    continue;
                }
                await hold.HoldBeforeStoringAsync(outcomes.Values.Count(o => o.Prediction is not null), clips.Count, cancellationToken);
                var at = DateTimeOffset.UtcNow;
                try
                {
                    await writer.StoreAsync(clip.ClipId, runtime.VersionId, prediction, at, clip.CampaignId, cancellationToken);
                    hold.Stored();
                    outcomes[clip.ClipId] = new Outcome(prediction, null, at);
                }
                catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.ForeignKeyViolation)
                {
                    outcomes[clip.ClipId] = new Outcome(null, $"clip {clip.ClipId} is not recorded in the database", default);
                }
            }
        }
        return outcomes;
    }

    /// <summary>One forward pass for the group; when it throws, each clip alone, so only the clips that throw fail.</summary>
    private async Task<List<(AnalyzeClip Clip, Outcome Result)>> PredictAsync(
        IReadOnlyList<AnalyzeClip> members, IReadOnlyDictionary<Guid, float[]> pixels, IReadOnlyList<string> questions)
    {
        await runtime.Gate.WaitAsync();
        try
        {
            try
            {
                var predictions = Predict(members.Select(m => pixels[m.ClipId]).ToList(), questions);
                return members.Select((m, i) => (m, new Outcome(predictions[i], null, default))).ToList();
            }
            catch (Exception e) when (members.Count > 1)
            {
                logger.LogWarning(e, "A forward pass over {Clips} clips failed; analysing them one by one", members.Count);
            }
            var results = new List<(AnalyzeClip, Outcome)>();
            foreach (var member in members)
            {
                try
                {
                    results.Add((member, new Outcome(Predict([pixels[member.ClipId]], questions)[0], null, default)));
                }
                catch (Exception e)
                {
                    results.Add((member, new Outcome(null, $"the model failed on the clip: {e.Message}", default)));
                }
            }
            return results;
        }
        finally
        {
            runtime.Gate.Release();
        }
    }

    private IReadOnlyList<ClipPrediction> Predict(IReadOnlyList<float[]> clips, IReadOnlyList<string> questions)
    {
        using var scope = NewDisposeScope();
        var config = runtime.Config;
        var size = clips[0].Length;
        var batch = new float[clips.Count * size];
        for (var i = 0; i < clips.Count; i++)
        {
            clips[i].CopyTo(batch, i * size);
        }
        var frames = runtime.Normalizer.Normalize(batch, clips.Count, config.Video.Frames, config.Vision.ImageHeight, config.Vision.ImageWidth);
        return runtime.Predictor.Predict(frames, questions, options.Value.TopLabels);
    }

    /// <summary>The questions as asked, blank ones dropped and repeats once (answers are keyed by question).</summary>
    private static IReadOnlyList<string> Questions(IReadOnlyList<string>? questions) =>
        (questions ?? []).Where(q => !string.IsNullOrWhiteSpace(q)).Select(q => q.Trim()).Distinct(StringComparer.Ordinal).ToList();

    private static string QuestionKey(IReadOnlyList<string>? questions) => string.Join('\u001f', Questions(questions));

    private sealed record Outcome(ClipPrediction? Prediction, string? Error, DateTimeOffset At);
}
