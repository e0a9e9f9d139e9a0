using System.Diagnostics;
using MassTransit;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using VideoCoca.Contracts.Diagnostics;
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
    ModelRuntime runtime, ClipResultWriter writer, StoredResultsHold hold, UploadsFirst uploadsFirst, IOptions<WorkerOptions> options,
    ILogger<AnalyzeClipBatchConsumer> logger)
    : IConsumer<Batch<AnalyzeClip>>
{
    public async Task Consume(ConsumeContext<Batch<AnalyzeClip>> context)
    {
        if (context.Message.All(m => m.Message.CampaignId is not null)) await uploadsFirst.WaitAsync(context.CancellationToken);
        var started = Stopwatch.GetTimestamp();
        using var stage = StageCpu.Enter(AnalysisStages.Batch);
        var cancellationToken = context.CancellationToken;
        // A redelivered clip may share a batch with its first delivery: analyse it once.
        var clips = context.Message.Select(m => m.Message).DistinctBy(m => m.ClipId).ToList();
        // Each clip's trace is its upload's; the batch's own span links them all.
        var traces = context.Message.DistinctBy(m => m.Message.ClipId).ToDictionary(m => m.Message.ClipId, AnalysisTelemetry.TraceOf);
        using var batchSpan = AnalysisTelemetry.StartBatch(context.Message.ToList());
        AnalysisTelemetry.Batch(clips.Count);
        try
        {
            var outcomes = await AnalyseAsync(clips, traces, cancellationToken);
            var analysed = 0;
            foreach (var clip in clips)
            {
                var outcome = outcomes[clip.ClipId];
                if (outcome.Prediction is { } prediction)
                {
                    using var report = AnalysisTelemetry.StartClip("report clip analysed", traces[clip.ClipId], clip);
                    using var publishing = StageCpu.Enter(AnalysisStages.Publish);
                    await context.Publish(new ClipAnalyzed(
                        clip.VideoId, clip.ClipId, clip.ClipIndex, runtime.VersionName, prediction.Caption,
                        prediction.Labels.Select(l => new ContractLabelScore(l.Label, l.Confidence)).ToList(),
                        prediction.Answers.Select(a => new ContractQuestionAnswer(a.Question, a.Answer)).ToList(),
                        outcome.At, clip.CampaignId), cancellationToken);
                    AnalysisTelemetry.Analysed(runtime.VersionName);
                    analysed++;
                }
                else
                {
                    await FailAsync(context, clip, traces[clip.ClipId], outcome.Error!, cancellationToken);
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
                    await FailAsync(context, clip, traces[clip.ClipId], $"the worker could not analyse the clip: {e.Message}", CancellationToken.None);
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

    private async Task FailAsync(ConsumeContext context, AnalyzeClip clip, ActivityContext trace, string reason, CancellationToken cancellationToken)
    {
        using var span = AnalysisTelemetry.StartClip("report clip failed", trace, clip);
        AnalysisTelemetry.Failed(runtime.VersionName);
        logger.LogWarning("Clip {ClipId} (video {VideoId}, index {Index}) failed: {Reason}", clip.ClipId, clip.VideoId, clip.ClipIndex, reason);
        await writer.MarkFailedAsync(clip.ClipId, reason, clip.CampaignId, cancellationToken);
        await context.Publish(new ClipFailed(clip.VideoId, clip.ClipId, clip.ClipIndex, clip.ModelVersion ?? runtime.VersionName, reason, DateTimeOffset.UtcNow, clip.CampaignId), cancellationToken);
    }

    private async Task<Dictionary<Guid, Outcome>> AnalyseAsync(
        IReadOnlyList<AnalyzeClip> clips, IReadOnlyDictionary<Guid, ActivityContext> traces, CancellationToken cancellationToken)
    {
        var outcomes = new Dictionary<Guid, Outcome>();
        var reader = new ClipFramesReader(runtime.Config);
        var pixels = new Dictionary<Guid, float[]>();
        var reads = clips.Select(async clip =>
        {
            using var reading = StageCpu.Enter(AnalysisStages.Frames);
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
            var questions = Questions(members[0].Questions, runtime.Predictor.Labels.Questions);
            var predicted = await PredictAsync(members, pixels, questions);
            if (await TryStoreTogetherAsync(predicted, traces, outcomes, cancellationToken))
            {
                continue;
            }
            foreach (var (clip, result) in predicted)
            {
                if (result.Prediction is not { } prediction)
                {
                    outcomes[clip.ClipId] = result;
                    continue;
                }
                await hold.HoldBeforeStoringAsync(outcomes.Values.Count(o => o.Prediction is not null), clips.Count, cancellationToken);
                var at = DateTimeOffset.UtcNow;
                using var store = AnalysisTelemetry.StartClip("store clip result", traces[clip.ClipId], clip);
                using var storing = StageCpu.Enter(AnalysisStages.ResultWrites);
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

    /// <summary>
    /// Stores the group's results in one transaction (<see cref="ClipResultWriter.StoreBatchAsync"/>) when it can: not for a
    /// campaign's clips (their ledger lines), nor under the <see cref="StoredResultsHold"/> test hook (it counts results one
    /// by one), nor when a clip's row turns out gone (then each clip is stored alone, so that only that one fails).
    /// Each clip keeps its own "store clip result" span in its upload's trace; the statements are children of the first's.
    /// </summary>
    /// <returns>True when every clip of the group has its outcome.</returns>
    private async Task<bool> TryStoreTogetherAsync(
        IReadOnlyList<(AnalyzeClip Clip, Outcome Result)> predicted, IReadOnlyDictionary<Guid, ActivityContext> traces,
        Dictionary<Guid, Outcome> outcomes, CancellationToken cancellationToken)
    {
        var results = predicted.Where(p => p.Result.Prediction is not null).ToList();
        if (results.Count < 2 || !options.Value.StoreResultsTogether || options.Value.HoldAfterStoredResults > 0 || results.Any(r => r.Clip.CampaignId is not null)) return false;
        var at = DateTimeOffset.UtcNow;
        var spans = new List<AnalysisTelemetry.ClipSpan>();
        // The first clip's span is started last, so that it is the ambient one while the statements run.
        foreach (var (clip, _) in Enumerable.Reverse(results))
        {
            spans.Add(AnalysisTelemetry.StartClip("store clip result", traces[clip.ClipId], clip));
        }
        try
        {
            using var storing = StageCpu.Enter(AnalysisStages.ResultWrites);
            await writer.StoreBatchAsync(results.Select(r => (r.Clip.ClipId, r.Result.Prediction!)).ToList(), runtime.VersionId, at, cancellationToken);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.ForeignKeyViolation)
        {
            logger.LogInformation("A clip of the batch is no longer recorded; storing its {Clips} clips one by one", results.Count);
            return false;
        }
        finally
        {
            for (var i = spans.Count - 1; i >= 0; i--) spans[i].Dispose();
        }
        foreach (var (clip, result) in predicted)
        {
            if (result.Prediction is { } prediction)
            {
                hold.Stored();
                outcomes[clip.ClipId] = new Outcome(prediction, null, at);
            }
            else
            {
                outcomes[clip.ClipId] = result;
            }
        }
        return true;
    }

    /// <summary>One forward pass for the group; when it throws, each clip alone, so only the clips that throw fail.</summary>
    private async Task<List<(AnalyzeClip Clip, Outcome Result)>> PredictAsync(
        IReadOnlyList<AnalyzeClip> members, IReadOnlyDictionary<Guid, float[]> pixels, IReadOnlyList<string> questions)
    {
        // A campaign's batch lets any batch someone waits for go first (see ModelGate).
        using (await runtime.Gate.EnterAsync(background: members.All(m => m.CampaignId is not null)))
        {
            try
            {
                var predictions = await runtime.Thread.RunAsync(() => Predict(members.Select(m => pixels[m.ClipId]).ToList(), questions));
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
                    var prediction = await runtime.Thread.RunAsync(() => Predict([pixels[member.ClipId]], questions)[0]);
                    results.Add((member, new Outcome(prediction, null, default)));
                }
                catch (Exception e)
                {
                    results.Add((member, new Outcome(null, $"the model failed on the clip: {e.Message}", default)));
                }
            }
            return results;
        }
    }

    private IReadOnlyList<ClipPrediction> Predict(IReadOnlyList<float[]> clips, IReadOnlyList<string> questions)
    {
        using var span = AnalysisTelemetry.Source.StartActivity("model forward pass");
        var started = Stopwatch.GetTimestamp();
        using var stage = StageCpu.Enter(AnalysisStages.Model);
        // torch's intra-op threads do not carry this flow: the rest of the process's CPU while the pass ran is theirs.
        var threadBefore = StageCpu.ThreadCpuTime();
        using var self = Process.GetCurrentProcess();
        var processBefore = self.TotalProcessorTime;
        IReadOnlyList<ClipPrediction> predictions;
        using (NewDisposeScope())
        {
            var config = runtime.Config;
            var size = clips[0].Length;
            var batch = new float[clips.Count * size];
            for (var i = 0; i < clips.Count; i++)
            {
                clips[i].CopyTo(batch, i * size);
            }
            var frames = runtime.Normalizer.Normalize(batch, clips.Count, config.Video.Frames, config.Vision.ImageHeight, config.Vision.ImageWidth);
            predictions = runtime.Predictor.Predict(frames, questions, options.Value.TopLabels);
        }
        // The batch's tensors are freed by now: what the allocator keeps of them goes back before the next batch.
        if (options.Value.AllocatorTrimAfterBatch) NativeAllocator.Trim();
        AnalysisTelemetry.AfterBatch(ProcessMemory.ResidentBytes());
        self.Refresh();
        StageCpu.Add(AnalysisStages.ModelThreads,
            self.TotalProcessorTime - processBefore - (StageCpu.ThreadCpuTime() - threadBefore));
        AnalysisTelemetry.ForwardPass(Stopwatch.GetElapsedTime(started).TotalSeconds, clips.Count);
        return predictions;
    }

    /// <summary>
    /// The questions as asked, blank ones dropped and repeats once (answers are keyed by question); a clip that asks
    /// none gets the model's own default questions, the ones it was trained to answer.
    /// </summary>
    private static IReadOnlyList<string> Questions(IReadOnlyList<string>? questions, IReadOnlyList<string> modelDefaults)
    {
        var asked = Asked(questions);
        return asked.Count > 0 ? asked : modelDefaults;
    }

    private static List<string> Asked(IReadOnlyList<string>? questions) =>
        (questions ?? []).Where(q => !string.IsNullOrWhiteSpace(q)).Select(q => q.Trim()).Distinct(StringComparer.Ordinal).ToList();

    private static string QuestionKey(IReadOnlyList<string>? questions) => string.Join('\u001f', Asked(questions));

    private sealed record Outcome(ClipPrediction? Prediction, string? Error, DateTimeOffset At);
}
