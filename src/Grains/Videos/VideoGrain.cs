using System.Diagnostics;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using VideoCoca.Contracts.Api;
using VideoCoca.Contracts.Diagnostics;
using VideoCoca.Contracts.Messages;
using VideoCoca.GrainInterfaces;
using VideoCoca.Grains.Storage;
using VideoCoca.Ingest;
using VideoCoca.Persistence.Entities;

namespace VideoCoca.Grains.Videos;

/// <summary>
/// One video: received, probing, splitting, analysing, then completed (with errors) or failed. ffmpeg runs off the
/// grain's turn (<see cref="IVideoIngestor"/>); what it yields is applied on the turn, one clip at a time, with a
/// checkpoint per clip. A reminder re-activates the grain wherever it lives next, so a lost silo's ingest resumes
/// from the first clip not yet recorded.
/// </summary>
public sealed class VideoGrain(
    [PersistentState("video", VideoGrain.StorageName)] IPersistentState<VideoGrainState> store,
    IVideoIngestor ingestor,
    IVideoRecords records,
    IClipPublisher publisher,
    BlobLayout blobs,
    IOptions<IngestOptions> options,
    TimeProvider clock,
    ILogger<VideoGrain> logger) : Grain, IVideoGrain, IRemindable
{
    /// <summary>The grain storage provider the state lives in.</summary>
    public const string StorageName = "videos";

    /// <summary>The reminder that keeps an unfinished video alive across silo losses.</summary>
    public const string ReminderName = "video-ingest";

    private readonly IngestOptions _options = options.Value;
    private readonly SemaphoreSlim _writes = new(1, 1);
    private CancellationTokenSource? _stop;
    private Task? _ingest;

    /// <summary>Set while <see cref="FailAsync"/> removes the clips: results that arrive meanwhile are ignored.</summary>
    private bool _failing;

    private VideoGrainState S => store.State;

    private Guid VideoId => this.GetPrimaryKey();

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // Activated elsewhere after a silo loss (by the reminder or any call): carry on where the last checkpoint left off.
        EnsureIngestRunning();
        return Task.CompletedTask;
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        await StopIngestAsync();
    }

    public async Task<VideoSnapshot> StartAsync(IngestRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (S.Request is null)
        {
            var length = request.ClipLengthSeconds > 0 ? request.ClipLengthSeconds : _options.ClipLengthSeconds;
            var overlap = request.ClipLengthSeconds > 0 ? request.OverlapSeconds : _options.OverlapSeconds;
            var frames = request.FramesPerClip > 0 ? request.FramesPerClip : _options.FramesPerClip;
            if (overlap < 0 || overlap >= length)
            {
                throw new ArgumentException($"overlap must be at least 0 and less than the clip length ({length} s)", nameof(request));
            }
            S.Request = request;
            S.State = VideoState.Received;
            S.CreatedAt = clock.GetUtcNow();
            S.ClipLengthSeconds = length;
            S.OverlapSeconds = overlap;
            S.FramesPerClip = frames;
            // The upload's trace (the gateway's request, carried by the grain call): the ingest and every clip it
            // sends continue it, also when a reminder resumes the ingest long after the request ended.
            S.TraceParent = Activity.Current?.Id;
            await TargetActiveVersionAsync(request);
            await CheckpointAsync(mirror: true);
            logger.LogInformation("Video {VideoId} received: {File}", VideoId, request.FileName);
        }
        // A repeated start changes nothing, but makes sure an unfinished video has its reminder and its ingest running.
        if (!IsTerminal(S.State))
        {
            await this.RegisterOrUpdateReminder(ReminderName, _options.ReminderPeriod, _options.ReminderPeriod);
            EnsureIngestRunning();
        }
        return Snapshot();
    }

    public Task<VideoSnapshot> GetSnapshotAsync() => Task.FromResult(Snapshot());

    /// <summary>
    /// New uploads are analysed by the active model version: its queue, its frame size, and its frame count unless the
    /// request names one. With no version registered yet the clips go to the shared queue at the ingest options' size.
    /// </summary>
    private async Task TargetActiveVersionAsync(IngestRequest request)
    {
        if (await records.ActiveModelVersionAsync() is not { } target) return;
        S.ModelVersion = target.Name;
        if (target.Input is not { } input) return;
        S.FrameWidth = input.Width;
        S.FrameHeight = input.Height;
        S.FrameResize = input.Resize;
        if (request.FramesPerClip <= 0) S.FramesPerClip = input.Frames;
    }

    /// <summary>The size clips are cut at: the target version's input, else the ingest options'.</summary>
    private FrameSize Size() => S.FrameWidth > 0 && S.FrameHeight > 0
        ? new FrameSize(S.FrameWidth, S.FrameHeight, S.FrameResize == "crop" ? FrameResize.Crop : FrameResize.Stretch)
        : new FrameSize(_options.FrameWidth, _options.FrameHeight, _options.Resize);

    public Task ClipAnalyzedAsync(int clipIndex) => RecordOutcomeAsync(clipIndex, new ClipOutcome(false, null));

    public async Task ClipsSettledAsync(IReadOnlyList<ClipVerdict> verdicts)
    {
        ArgumentNullException.ThrowIfNull(verdicts);
        using var stage = StageCpu.Enter(VideoStages.Results);
        if (_failing || S.Request is null || S.State is VideoState.Failed or VideoState.Received or VideoState.Probing)
        {
            logger.LogDebug("Video {VideoId}: {Count} results ignored in state {State}", VideoId, verdicts.Count, S.State);
            return;
        }
        var fresh = new List<(int Index, ClipOutcome Outcome)>();
        foreach (var verdict in verdicts)
        {
            var outcome = verdict.FailureReason is null
                ? new ClipOutcome(false, null)
                : new ClipOutcome(true, string.IsNullOrWhiteSpace(verdict.FailureReason) ? "no reason given" : verdict.FailureReason);
            if (verdict.ClipIndex >= 0 && verdict.ClipIndex < S.ClipsTotal && S.Outcomes.TryAdd(verdict.ClipIndex, outcome))
            {
                fresh.Add((verdict.ClipIndex, outcome));
            }
        }
        if (fresh.Count == 0) return;
        using (StageCpu.Enter(VideoStages.ClipRows))
        {
            await records.SetClipStatesAsync(VideoId, fresh.Where(f => !f.Outcome.Failed).Select(f => f.Index).ToList());
            foreach (var (index, outcome) in fresh.Where(f => f.Outcome.Failed))
            {
                await records.SetClipStateAsync(VideoId, index, ClipState.Failed, outcome.Reason);
            }
        }
        if (!await CompleteIfDoneAsync())
        {
            await CheckpointAsync(mirror: true);
        }
    }

    public Task ClipFailedAsync(int clipIndex, string reason) =>
        RecordOutcomeAsync(clipIndex, new ClipOutcome(true, string.IsNullOrWhiteSpace(reason) ? "no reason given" : reason));

    public async Task<ClipRetry> RetryFailedClipsAsync()
    {
        if (S.Request is null) return Refused(ClipRetryOutcome.UnknownVideo, $"there is no video {VideoId}");
        if (!IsTerminal(S.State)) return Refused(ClipRetryOutcome.NotFinished, $"video {VideoId} is still {Wire(S.State)}; retry it once it is finished");
        var failed = S.Outcomes.Where(o => o.Value.Failed).Select(o => o.Key).Order().ToList();
        if (failed.Count == 0)
        {
            return Refused(ClipRetryOutcome.NoFailedClips, S.State == VideoState.Failed
                ? $"video {VideoId} failed as a whole ({S.Error}) and kept no clips to retry"
                : $"video {VideoId} has no failed clips");
        }
        var clips = failed.Select(i => S.Clips.FirstOrDefault(c => c.Index == i)).ToList();
        var missing = failed.Where((_, n) => clips[n] is not { } clip || !File.Exists(blobs.Resolve(clip.FramesPath))).ToList();
        if (missing.Count > 0 && await CutFramesAgainAsync(missing) is { } why)
        {
            return Refused(ClipRetryOutcome.FramesMissing,
                $"the frames of clip{(missing.Count > 1 ? "s" : "")} {string.Join(", ", missing)} of video {VideoId} are gone and {why}");
        }

        // Reminder first: a silo lost from here on leaves a video the reminder looks after (republishing what was not published).
        await this.RegisterOrUpdateReminder(ReminderName, _options.ReminderPeriod, _options.ReminderPeriod);
        // Rows before the grain's state: a silo lost between the two leaves a finished video whose failed clips a second retry takes again;
        // the other order would let the reminder read the old 'failed' rows back as the clips' verdicts.
        foreach (var index in failed)
        {
            await records.SetClipStateAsync(VideoId, index, ClipState.Queued, null);
        }
        foreach (var clip in clips)
        {
            S.Outcomes.Remove(clip!.Index);
            clip.Published = false;
        }
        S.Error = null;
        await TransitionAsync(VideoState.Analysing);
        foreach (var clip in clips)
        {
            await PublishAsync(clip!, CancellationToken.None);
        }
        await CheckpointAsync(mirror: false);
        logger.LogInformation("Video {VideoId}: failed clips {Indices} queued again", VideoId, string.Join(", ", failed));
        return new ClipRetry(ClipRetryOutcome.Queued, Snapshot(), failed, null);
    }

    /// <summary>Frames of failed clips that are gone, cut again from the original into the same files; null once done, else why not.</summary>
    private async Task<string?> CutFramesAgainAsync(IReadOnlyList<int> indices)
    {
        if (indices.Any(i => !S.Clips.Exists(c => c.Index == i))) return "the video keeps no record of them";
        var source = blobs.Resolve(S.Request!.BlobPath);
        if (!File.Exists(source)) return "so is the original upload (Retention:Originals), so they cannot be cut again";
        var job = new ExtractionJob(source, blobs.ClipsFolder(VideoId), Plan().Where(p => indices.Contains(p.Index)).ToList(), S.FramesPerClip, S.FrameCount, Size());
        try
        {
            await foreach (var extracted in ingestor.ExtractAsync(job, CancellationToken.None))
            {
                S.Clips.First(c => c.Index == extracted.Clip.Index).FramesPath = extracted.FramesPath;
            }
        }
        catch (IngestException e)
        {
            return $"could not be cut again from the original upload: {e.Message}";
        }
        var uncut = indices.Where(i => !File.Exists(blobs.Resolve(S.Clips.First(c => c.Index == i).FramesPath))).ToList();
        if (uncut.Count > 0) return $"the original upload did not yield clip{(uncut.Count > 1 ? "s" : "")} {string.Join(", ", uncut)} again";
        logger.LogInformation("Video {VideoId}: frames of failed clips {Indices} cut again from the original for a retry", VideoId, string.Join(", ", indices));
        return null;
    }

    private ClipRetry Refused(ClipRetryOutcome outcome, string detail) => new(outcome, Snapshot(), [], detail);

    private static string Wire(VideoState state) => System.Text.Json.JsonSerializer.Serialize(state).Trim('"');

    public async Task DeleteAsync()
    {
        await StopIngestAsync();
        await ForgetReminderAsync();
        TryDeleteFolder(blobs.VideoFolder(VideoId));
        await records.DeleteVideoAsync(VideoId);
        if (S.Request is not null)
        {
            await store.ClearStateAsync();
        }
        store.State = new VideoGrainState();
        logger.LogInformation("Video {VideoId} deleted", VideoId);
        DeactivateOnIdle();
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName != ReminderName) return;
        if (S.Request is null || IsTerminal(S.State))
        {
            if (S.State == VideoState.Failed && S.Clips.Count > 0)
            {
                await RemoveClipsAsync();
            }
            await ForgetReminderAsync();
            return;
        }
        if (S.State == VideoState.Analysing)
        {
            await RepublishRetriedClipsAsync();
            await CatchUpOutcomesAsync();
            return;
        }
        EnsureIngestRunning();
    }

    private VideoSnapshot Snapshot() => new(
        VideoId, S.State, S.ClipsTotal, S.Outcomes.Count, S.Outcomes.Values.Count(o => o.Failed), S.Error, S.DurationSeconds);

    private void EnsureIngestRunning()
    {
        if (S.Request is null || S.State is not (VideoState.Received or VideoState.Probing or VideoState.Splitting)) return;
        if (_ingest is { IsCompleted: false }) return;
        _stop?.Dispose();
        _stop = new CancellationTokenSource();
        _ingest = IngestAsync(_stop.Token);
    }

    private async Task StopIngestAsync()
    {
        if (_stop is null || _ingest is null) return;
        await _stop.CancelAsync();
        try
        {
            await _ingest.WaitAsync(TimeSpan.FromSeconds(30));
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "Video {VideoId}: the ingest did not stop cleanly", VideoId);
        }
        _ingest = null;
    }

    /// <summary>The ingest, on the grain's scheduler; ffmpeg and file work inside <see cref="IVideoIngestor"/> run on the thread pool.</summary>
    private async Task IngestAsync(CancellationToken cancellationToken)
    {
        var request = S.Request!;
        var source = blobs.Resolve(request.BlobPath);
        using var span = VideoTelemetry.StartIngest(VideoId, S.TraceParent);
        // The ingestor's own threads (reading ffmpeg's pipe, writing the frame files) inherit this flow's stage.
        using var stage = StageCpu.Enter(VideoStages.Split);
        try
        {
            if (S.State is VideoState.Received or VideoState.Probing)
            {
                await TransitionAsync(VideoState.Probing);
                VideoProbe probe;
                using (StageCpu.Enter(VideoStages.Probe))
                {
                    // The gateway probed the upload before accepting it: its figures spare a second ffprobe of the same file.
                    probe = request.Probe is { } probed && _options.UseGatewayProbe && File.Exists(source)
                        ? FfmpegVideoIngestor.FromStream(Path.GetFileName(source), probed.AverageFrameRate, probed.StreamSeconds, probed.ContainerSeconds, probed.Width, probed.Height)
                        : await Task.Run(() => ingestor.ProbeAsync(source, cancellationToken), cancellationToken);
                }
                S.DurationSeconds = probe.Duration;
                S.FrameRate = probe.FrameRate;
                S.FrameCount = probe.FrameCount;
                S.ClipsTotal = Plan().Count;
                logger.LogInformation("Video {VideoId}: {Duration:F2} s, {Frames} frames at {Rate:F3} fps, {Clips} clips",
                    VideoId, probe.Duration, probe.FrameCount, probe.FrameRate, S.ClipsTotal);
                await TransitionAsync(VideoState.Splitting);
            }

            // Recorded but not yet published before a silo loss: publish now (a repeat is harmless, a gap is not).
            foreach (var clip in S.Clips.Where(c => !c.Published))
            {
                await PublishAsync(clip, cancellationToken);
            }
            var recorded = S.Clips.Select(c => c.Index).ToHashSet();
            var todo = Plan().Where(c => !recorded.Contains(c.Index)).ToList();
            if (recorded.Count > 0 && todo.Count > 0)
            {
                logger.LogInformation("Video {VideoId}: resuming the split at clip {Index}", VideoId, todo[0].Index);
            }
            var freshSplit = recorded.Count == 0;
            var job = new ExtractionJob(source, blobs.ClipsFolder(VideoId), todo, S.FramesPerClip, S.FrameCount, Size());
            // A batch never runs past the hold point of the test hook, so the split stops at exactly that clip.
            int BatchLimit() => freshSplit && _options.HoldAfterClips > S.Clips.Count
                ? Math.Min(_options.ClipRecordBatchLimit, _options.HoldAfterClips - S.Clips.Count)
                : _options.ClipRecordBatchLimit;
            await foreach (var clips in ingestor.ExtractAsync(job, cancellationToken).ReadyBatchesAsync(BatchLimit, _options.ClipRecordWait, clock, cancellationToken))
            {
                await RecordClipsAsync(clips, cancellationToken);
                if (freshSplit && _options.HoldAfterClips > 0 && S.Clips.Count == _options.HoldAfterClips)
                {
                    await HoldAsync(cancellationToken);
                }
            }
            if (todo.Count > 0)
            {
                // Known only once the decode is over; a resumed split decodes the file from its start again.
                S.Warnings = [.. job.Warnings];
            }
            await TransitionAsync(VideoState.Analysing);
            await CompleteIfDoneAsync();
        }
        catch (IngestException e)
        {
            logger.LogWarning("Video {VideoId} failed: {Error}", VideoId, e.Message);
            await FailAsync(e.Message);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            logger.LogInformation("Video {VideoId}: ingest stopped at {Clips} of {Total} clips", VideoId, S.Clips.Count, S.ClipsTotal);
        }
        catch (Exception e)
        {
            // Infrastructure trouble (database, broker): the state is checkpointed, the reminder tries again.
            logger.LogError(e, "Video {VideoId}: ingest interrupted; the reminder will resume it", VideoId);
        }
    }

    /// <summary>
    /// The Ingest:HoldAfterClips test hook: the clips so far are recorded and published, and checkpointed with their
    /// published flags, so the point a test stops or kills the silo at is exact; then nothing until the ingest is stopped.
    /// </summary>
    private async Task HoldAsync(CancellationToken cancellationToken)
    {
        await CheckpointAsync(mirror: false);
        logger.LogWarning("Video {VideoId}: holding the ingest after {Clips} clips (Ingest:HoldAfterClips)", VideoId, S.Clips.Count);
        await Task.Delay(Timeout.InfiniteTimeSpan, cancellationToken);
    }

    private IReadOnlyList<PlannedClip> Plan() =>
        ClipPlan.Plan(S.FrameCount, S.FrameRate, S.ClipLengthSeconds, S.OverlapSeconds, S.FramesPerClip);

    /// <summary>Rows (once per index), checkpoint, then publish: a silo lost in between republishes, never re-records.</summary>
    private async Task RecordClipsAsync(IReadOnlyList<ExtractedClip> extracted, CancellationToken cancellationToken)
    {
        var size = Size();
        var framesInput = FrameInputs.Key(S.FramesPerClip, size.Height, size.Width, size.Resize == FrameResize.Crop ? "crop" : "stretch");
        IReadOnlyList<Guid> clipIds;
        using (StageCpu.Enter(VideoStages.ClipRows))
        {
            clipIds = await records.AddClipsAsync(extracted.Select(e => new Clip
            {
                Id = ClipIdFor(VideoId, e.Clip.Index),
                VideoId = VideoId,
                Index = e.Clip.Index,
                StartSeconds = e.Clip.Start,
                EndSeconds = e.Clip.End,
                FramesPath = e.FramesPath,
                ThumbnailPath = e.ThumbnailPath,
                FramesInput = framesInput,
                State = ClipState.Queued,
            }).ToList(), cancellationToken);
        }
        var clips = extracted.Select((e, i) => new VideoClipState
        {
            Index = e.Clip.Index,
            StartSeconds = e.Clip.Start,
            EndSeconds = e.Clip.End,
            ClipId = clipIds[i],
            FramesPath = e.FramesPath,
            ThumbnailPath = e.ThumbnailPath,
        }).ToList();
        S.Clips.AddRange(clips);
        await CheckpointAsync(mirror: false);
        foreach (var clip in clips)
        {
            await PublishAsync(clip, cancellationToken);
        }
    }

    private async Task PublishAsync(VideoClipState clip, CancellationToken cancellationToken)
    {
        using var stage = StageCpu.Enter(VideoStages.Publish);
        var size = Size();
        var frames = new ClipFrames(clip.FramesPath, FrameElementType.UInt8, S.FramesPerClip, size.Height, size.Width);
        // Not cancelled half-way by a stopping ingest: a publish is short, and one cut off would only be repeated.
        cancellationToken.ThrowIfCancellationRequested();
        await publisher.PublishAsync(new AnalyzeClip(
            VideoId, clip.ClipId, clip.Index, clip.StartSeconds, clip.EndSeconds, frames, S.Request!.Questions, S.ModelVersion), ClipLane.Upload, CancellationToken.None);
        // Persisted by the next checkpoint; until then a lost silo publishes it again, which is harmless.
        clip.Published = true;
    }

    private async Task RecordOutcomeAsync(int clipIndex, ClipOutcome outcome)
    {
        using var stage = StageCpu.Enter(VideoStages.Results);
        if (_failing || S.Request is null || S.State is VideoState.Failed or VideoState.Received or VideoState.Probing)
        {
            logger.LogDebug("Video {VideoId}: result for clip {Index} ignored in state {State}", VideoId, clipIndex, S.State);
            return;
        }
        if (clipIndex < 0 || clipIndex >= S.ClipsTotal || !S.Outcomes.TryAdd(clipIndex, outcome))
        {
            return;
        }
        using (StageCpu.Enter(VideoStages.ClipRows))
        {
            await records.SetClipStateAsync(VideoId, clipIndex, outcome.Failed ? ClipState.Failed : ClipState.Analysed, outcome.Reason);
        }
        if (!await CompleteIfDoneAsync())
        {
            await CheckpointAsync(mirror: true);
        }
    }

    /// <summary>Clips a retry queued again but a lost silo never published (the split publishes its own before analysing).</summary>
    private async Task RepublishRetriedClipsAsync()
    {
        var unpublished = S.Clips.Where(c => !c.Published && !S.Outcomes.ContainsKey(c.Index)).ToList();
        foreach (var clip in unpublished)
        {
            await PublishAsync(clip, CancellationToken.None);
        }
        if (unpublished.Count > 0)
        {
            await CheckpointAsync(mirror: false);
        }
    }

    /// <summary>
    /// Takes the verdicts the grain never heard of from the clip rows, then completes the video if that was all it lacked.
    /// A worker stores a clip's results (or marks it failed) before it publishes the message that tells the grain, so the
    /// rows are the truth; a message lost on the way (dead-lettered while this grain's silo was dying, say) would
    /// otherwise leave the video analysing for ever.
    /// </summary>
    private async Task CatchUpOutcomesAsync()
    {
        var missed = (await records.SettledClipsAsync(VideoId))
            .Where(c => c.Index >= 0 && c.Index < S.ClipsTotal && !S.Outcomes.ContainsKey(c.Index))
            .ToList();
        foreach (var clip in missed)
        {
            var failed = clip.State == ClipState.Failed;
            S.Outcomes[clip.Index] = new ClipOutcome(failed, failed ? clip.Error ?? "no reason given" : null);
        }
        if (missed.Count > 0)
        {
            logger.LogWarning("Video {VideoId}: the results of clips {Indices} were stored but never reported; taken from the database",
                VideoId, string.Join(", ", missed.Select(c => c.Index)));
        }
        if (!await CompleteIfDoneAsync() && missed.Count > 0)
        {
            await CheckpointAsync(mirror: true);
        }
    }

    /// <summary>Every clip answered: completed, or completed with errors and a summary of the failed clips.</summary>
    private async Task<bool> CompleteIfDoneAsync()
    {
        if (S.State != VideoState.Analysing || S.Outcomes.Count < S.ClipsTotal) return false;
        var failed = S.Outcomes.Where(o => o.Value.Failed).OrderBy(o => o.Key).ToList();
        if (failed.Count == 0)
        {
            S.Error = null;
            await TransitionAsync(VideoState.Completed);
        }
        else
        {
            var first = failed.Take(5).Select(o => $"clip {o.Key}: {o.Value.Reason}");
            S.Error = $"{failed.Count} of {S.ClipsTotal} clips failed ({string.Join("; ", first)}{(failed.Count > 5 ? "; ..." : "")})";
            await TransitionAsync(VideoState.CompletedWithErrors);
        }
        await ForgetReminderAsync();
        logger.LogInformation("Video {VideoId} {State}", VideoId, S.State);
        return true;
    }

    /// <summary>
    /// Clips first, then the state: a snapshot or row that says failed never shows clips still being removed (grain
    /// calls interleave with the ingest at its awaits). A silo lost in between resumes the ingest, which fails again.
    /// </summary>
    private async Task FailAsync(string error)
    {
        _failing = true;
        try
        {
            S.Error = error;
            await RemoveClipsAsync();
            await TransitionAsync(VideoState.Failed);
            await ForgetReminderAsync();
        }
        finally
        {
            _failing = false;
        }
    }

    /// <summary>A failed video keeps no clips: rows, files and state go (idempotent, retried by the reminder).</summary>
    private async Task RemoveClipsAsync()
    {
        await records.DeleteClipsAsync(VideoId);
        TryDeleteFolder(blobs.ClipsFolder(VideoId));
        S.Clips.Clear();
        S.Outcomes.Clear();
        S.ClipsTotal = 0;
        await CheckpointAsync(mirror: true);
    }

    private Task TransitionAsync(VideoState state)
    {
        if (IsTerminal(state) && !IsTerminal(S.State)) VideoTelemetry.VideoFinished(state);
        S.State = state;
        return CheckpointAsync(mirror: true);
    }

    /// <summary>Writes grain state (and mirrors it into the Video row) one writer at a time: the ingest and incoming results interleave.</summary>
    private async Task CheckpointAsync(bool mirror)
    {
        await _writes.WaitAsync();
        try
        {
            using (StageCpu.Enter(VideoStages.State))
            {
                await store.WriteStateAsync();
            }
            if (mirror && S.Request is { } request)
            {
                using var stage = StageCpu.Enter(VideoStages.VideoRow);
                await records.SaveVideoAsync(new VideoRow(
                    VideoId, request.FileName, request.BlobPath, request.SizeBytes, S.DurationSeconds, S.State,
                    S.ClipLengthSeconds, S.OverlapSeconds, S.FramesPerClip, request.Questions, S.Error, S.CreatedAt,
                    S.ClipsTotal, S.Outcomes.Values.Count(o => !o.Failed), S.Outcomes.Values.Count(o => o.Failed), S.Warnings));
            }
        }
        finally
        {
            _writes.Release();
        }
    }

    private async Task ForgetReminderAsync()
    {
        if (await this.GetReminder(ReminderName) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }
    }

    private static bool IsTerminal(VideoState state) =>
        state is VideoState.Completed or VideoState.CompletedWithErrors or VideoState.Failed;

    /// <summary>The same clip index of the same video always gets the same id.</summary>
    public static Guid ClipIdFor(Guid videoId, int index)
    {
        Span<byte> input = stackalloc byte[20];
        videoId.TryWriteBytes(input);
        BitConverter.TryWriteBytes(input[16..], index);
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(input, hash);
        hash[6] = (byte)((hash[6] & 0x0F) | 0x50);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return new Guid(hash[..16]);
    }

    private void TryDeleteFolder(string folder)
    {
        try
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            logger.LogWarning(e, "Video {VideoId}: could not delete {Folder}", VideoId, folder);
        }
    }
}
