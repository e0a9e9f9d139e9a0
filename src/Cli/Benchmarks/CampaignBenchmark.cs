using VideoCoca.Cli.Platform;
using VideoCoca.Contracts.Api;

namespace VideoCoca.Cli.Benchmarks;

/// <summary>A campaign from its request to its completion.</summary>
/// <param name="Version">The version it analysed the catalogue under.</param>
/// <param name="Clips">Clips in its scope.</param>
/// <param name="Failed">Clips the worker gave up on.</param>
/// <param name="Seconds">From the request to its <c>finished_at</c> (the silo's clock, this machine's).</param>
/// <param name="FramesCutAgain">Whether its version takes another input than the clips were cut for (frames cut again from the originals).</param>
public sealed record CampaignRun(string Version, int Clips, int Failed, double Seconds, bool FramesCutAgain)
{
    public double ClipsPerSecond => Clips / Seconds;
}

/// <summary>One new upload's wait: from the start of its upload to its completion.</summary>
/// <param name="Seconds">Upload start (this clock) to the video's completion (its <c>updated_at</c>).</param>
/// <param name="Clips">Its clips.</param>
/// <param name="BacklogAtUpload">A campaign's clips published and not yet answered when the upload started: the queue it arrived behind.</param>
/// <param name="CampaignClipsMeanwhile">Campaign clips answered between the upload's start and its completion (in arrival order it would wait for all of the backlog).</param>
/// <param name="BacklogAtCompletion">The campaign's clips still published and not answered when the upload was seen completed.</param>
public sealed record UploadLatency(double Seconds, int Clips, int BacklogAtUpload, int CampaignClipsMeanwhile, int BacklogAtCompletion);

/// <summary>Everything <c>vcp bench campaign</c> measured.</summary>
public sealed record CampaignBenchResult(
    PipelineRun Plain, string PlainVersion, CampaignRun Campaign, string LatencyVersion, CampaignRun LoadCampaign,
    IReadOnlyList<UploadLatency> Idle, IReadOnlyList<UploadLatency> Loaded);

/// <summary>
/// The three measurements of <c>vcp bench campaign</c> on a platform of the bench's own (<see cref="BenchPlatform"/>):
/// plain analysis of a catalogue by version A (uploads, through <see cref="PipelineBenchmark"/>); a campaign re-analysing
/// it under version B; then new uploads one at a time to version C, made active, first with nothing else queued and
/// then while a campaign of C over the same catalogue fills C's queue, which the same worker serves. C is B's model
/// under a third name: B has analysed the whole catalogue by then, and a campaign only sends the clips its version lacks.
/// </summary>
public sealed class CampaignBenchmark(GatewayClient gateway, TimeSpan timeout)
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(250);

    /// <summary>Campaign clips sent and unanswered that each loaded upload waits for before it starts.</summary>
    private const int UploadBacklog = 4;

    /// <summary>Waits until a worker has registered <paramref name="version"/> and says it runs it.</summary>
    public async Task WaitForVersionAsync(string version, Action throwIfHostExited, CancellationToken cancellationToken)
    {
        var deadline = DateTimeOffset.UtcNow + TimeSpan.FromMinutes(3);
        while (true)
        {
            throwIfHostExited();
            if (await gateway.IsReadyAsync(cancellationToken))
            {
                var versions = await gateway.ListModelVersionsAsync(cancellationToken);
                if (versions.Versions.Any(v => v.Name == version && v.Workers > 0 && v.Input is not null)) return;
            }
            if (DateTimeOffset.UtcNow > deadline) throw new UserInputException($"no worker registered {version} in 3 minutes");
            await Task.Delay(PollInterval, cancellationToken);
        }
    }

    /// <summary>Waits until the gateway answers ready (database, broker, cluster).</summary>
    public async Task WaitForGatewayAsync(Action throwIfHostExited, CancellationToken cancellationToken)
    {
        var deadline = DateTimeOffset.UtcNow + TimeSpan.FromMinutes(3);
        while (!await gateway.IsReadyAsync(cancellationToken))
        {
            throwIfHostExited();
            if (DateTimeOffset.UtcNow > deadline) throw new UserInputException("the gateway was not ready in 3 minutes");
            await Task.Delay(PollInterval, cancellationToken);
        }
    }

    /// <summary>Starts a campaign of <paramref name="version"/> over the videos uploaded before <paramref name="uploadedBefore"/>, at <paramref name="rate"/> clips a minute.</summary>
    public async Task<(CampaignInfo Campaign, DateTimeOffset Requested)> StartCampaignAsync(
        string version, DateTimeOffset uploadedBefore, int rate, CancellationToken cancellationToken)
    {
        var requested = DateTimeOffset.UtcNow;
        var campaign = await gateway.StartCampaignAsync(new CampaignRequest
        {
            ModelVersion = version, ClipsPerMinute = rate, Scope = new CampaignScope { UploadedBefore = uploadedBefore },
        }, cancellationToken);
        return (campaign, requested);
    }

    /// <summary>Polls a campaign until it has finished; what it took.</summary>
    public async Task<CampaignRun> WaitForCampaignAsync(
        CampaignInfo campaign, DateTimeOffset requested, bool framesCutAgain, Action<double, double, string> progress, CancellationToken cancellationToken)
    {
        while (true)
        {
            var now = await gateway.GetCampaignAsync(campaign.Id, cancellationToken);
            progress(now.Done + now.Failed, Math.Max(1, now.Total), $"{now.Done}/{now.Total} clips, {now.InFlight} in flight");
            if (now.State is CampaignStates.Completed or CampaignStates.Failed or CampaignStates.Cancelled)
            {
                if (now.State != CampaignStates.Completed) throw new UserInputException($"campaign {now.Id} under {now.ModelVersion} ended {now.State}: {now.Detail}");
                return new CampaignRun(now.ModelVersion, now.Total, now.Failed, ((now.FinishedAt ?? DateTimeOffset.UtcNow) - requested).TotalSeconds, framesCutAgain);
            }
            if (DateTimeOffset.UtcNow - requested > timeout)
            {
                throw new UserInputException($"campaign {now.Id} did {now.Done} of {now.Total} clips in {timeout.TotalSeconds:0} s ({now.Detail})");
            }
            await Task.Delay(PollInterval, cancellationToken);
        }
    }

    /// <summary>Waits until a campaign has at least <paramref name="clips"/> clips published and unanswered (or has sent them all).</summary>
    public async Task WaitForBacklogAsync(Guid campaignId, int clips, CancellationToken cancellationToken)
    {
        var deadline = DateTimeOffset.UtcNow + TimeSpan.FromMinutes(2);
        while (true)
        {
            var now = await gateway.GetCampaignAsync(campaignId, cancellationToken);
            if (now.InFlight >= Math.Min(clips, now.Total - now.Done - now.Failed) && now.Total > 0) return;
            if (DateTimeOffset.UtcNow > deadline) throw new UserInputException($"campaign {campaignId} did not publish {clips} clips in 2 minutes ({now.Detail})");
            await Task.Delay(PollInterval, cancellationToken);
        }
    }

    /// <summary>
    /// Uploads the videos one at a time, each once the one before has completed and <paramref name="gap"/> has passed,
    /// and times each; with <paramref name="campaignId"/>, notes that campaign's backlog around each, and stops early
    /// when the campaign has no clip left in flight (fewer latencies than videos then).
    /// </summary>
    public async Task<IReadOnlyList<UploadLatency>> TimeUploadsAsync(
        IReadOnlyList<string> videos, Guid? campaignId, TimeSpan gap, Action<double, double, string> progress, CancellationToken cancellationToken)
    {
        var latencies = new List<UploadLatency>();
        foreach (var video in videos)
        {
            progress(latencies.Count, videos.Count, "");
            // Each upload arrives while the campaign has work out: at least one campaign batch sent and unanswered (after the
            // upload before, a yielding campaign sends again only at its next tick).
            if (campaignId is { } backlogOf) await WaitForBacklogAsync(backlogOf, UploadBacklog, cancellationToken);
            var before = campaignId is { } id ? await gateway.GetCampaignAsync(id, cancellationToken) : null;
            // Once the campaign has nothing queued, an upload would measure the idle platform again: stop there.
            if (before is not null && (before.InFlight == 0 || before.State != CampaignStates.Running)) break;
            var started = DateTimeOffset.UtcNow;
            var videoId = await gateway.UploadAsync(video, new GatewayClient.UploadOptions(null, null, null, []), cancellationToken);
            VideoStatus status;
            while (true)
            {
                status = await gateway.GetStatusAsync(videoId, cancellationToken);
                if (GatewayClient.IsFinished(status.State)) break;
                if (DateTimeOffset.UtcNow - started > timeout)
                {
                    throw new UserInputException($"upload {videoId} was not analysed in {timeout.TotalSeconds:0} s: {status.State}, {status.Progress.Done}/{status.Progress.Total}");
                }
                await Task.Delay(PollInterval / 2, cancellationToken);
            }
            if (status.State != VideoState.Completed) throw new UserInputException($"upload {videoId} ended {status.State}: {status.Error}");
            var after = campaignId is { } same ? await gateway.GetCampaignAsync(same, cancellationToken) : null;
            latencies.Add(new UploadLatency(
                (status.UpdatedAt - started).TotalSeconds, status.Progress.Total, before?.InFlight ?? 0,
                after is null || before is null ? 0 : after.Done + after.Failed - before.Done - before.Failed, after?.InFlight ?? 0));
            await Task.Delay(gap, cancellationToken);
        }
        progress(videos.Count, videos.Count, "");
        return latencies;
    }
}
