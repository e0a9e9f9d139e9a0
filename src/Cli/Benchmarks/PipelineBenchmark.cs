using VideoCoca.Cli.Platform;
using VideoCoca.Contracts.Api;

namespace VideoCoca.Cli.Benchmarks;

/// <summary>One pass of videos through the running platform.</summary>
/// <param name="Videos">Videos uploaded.</param>
/// <param name="Clips">Clips the platform cut from them.</param>
/// <param name="FailedClips">Clips whose analysis failed.</param>
/// <param name="FailedVideos">Videos that failed outright.</param>
/// <param name="Seconds">From the first upload's start to the last video's completion (the gateway's own timestamp).</param>
/// <param name="ClipLength">The clip length the platform cut by (its first clip's), in seconds.</param>
/// <param name="Questions">The questions the platform answered for every clip.</param>
/// <param name="CpuSeconds">CPU seconds of the local platform's processes and of the machine during the run (<see cref="PlatformCpu"/>).</param>
/// <param name="StageSeconds">CPU seconds by host process and stage during the run (<see cref="PlatformStages"/>); empty when the bench was not given the gateway's address.</param>
/// <param name="JitMethods">Methods each host's JIT compiled during the run, by host; empty as <paramref name="StageSeconds"/> is.</param>
public sealed record PipelineRun(
    int Videos, int Clips, int FailedClips, int FailedVideos, double Seconds, double ClipLength, IReadOnlyList<string> Questions,
    IReadOnlyDictionary<string, double> CpuSeconds, IReadOnlyList<(string Process, string Stage, double Seconds)> StageSeconds,
    IReadOnlyDictionary<string, double> JitMethods)
{
    public double ClipsPerSecond => Clips / Seconds;
}

/// <summary>
/// Uploads every video at once over HTTP with the gateway's default options, then polls until each is finished.
/// The end is the last video's <c>updated_at</c> (written when it completed, on this machine's clock), so the polling
/// interval does not count. <see cref="WarmUpAsync"/> sends one video through first, untimed, so that every host has
/// served a request (JIT, connection pools, EF Core's model) as a platform in service has. Each run's videos are
/// deleted afterwards, outside the timing.
/// </summary>
/// <param name="gatewayAddress">Where the gateway (and so its /metrics) answers: given, the run also takes the hosts' per-stage CPU account.</param>
public sealed class PipelineBenchmark(GatewayClient gateway, TimeSpan timeout, string repositoryRoot, Uri? gatewayAddress = null)
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);
    private static readonly GatewayClient.UploadOptions Defaults = new(null, null, null, []);

    /// <summary>One video through the platform, untimed.</summary>
    public async Task WarmUpAsync(string video, CancellationToken cancellationToken)
    {
        var id = await gateway.UploadAsync(video, Defaults, cancellationToken);
        try
        {
            await WaitAsync([id], DateTimeOffset.UtcNow, (_, _, _) => { }, cancellationToken);
        }
        finally
        {
            await gateway.DeleteAsync(id, CancellationToken.None);
        }
    }

    /// <summary>
    /// The hosts' CPU by stage over <paramref name="duration"/> with nothing sent: what Orleans, MassTransit, health
    /// checks and metrics cost whether clips come or not, to tell the platform's cost a clip from its cost a second.
    /// Empty when the bench was not given the gateway's address.
    /// </summary>
    public async Task<IReadOnlyList<(string Process, string Stage, double Seconds)>> IdleAsync(TimeSpan duration, CancellationToken cancellationToken)
    {
        if (gatewayAddress is null) return [];
        var before = await PlatformStages.TakeAsync(gatewayAddress, repositoryRoot, cancellationToken);
        await Task.Delay(duration, cancellationToken);
        return PlatformStages.Difference(before, await PlatformStages.TakeAsync(gatewayAddress, repositoryRoot, cancellationToken));
    }

    /// <summary>One timed run: every video uploaded at once, until the last is finished.</summary>
    /// <param name="keepVideos">Leave the videos in place (a catalogue for what is measured next) instead of deleting them.</param>
    public async Task<PipelineRun> RunAsync(
        IReadOnlyList<string> videos, Action<double, double, string> progress, CancellationToken cancellationToken, bool keepVideos = false)
    {
        var uploaded = new List<Guid>();
        try
        {
            var stagesBefore = gatewayAddress is null ? null : await PlatformStages.TakeAsync(gatewayAddress, repositoryRoot, cancellationToken);
            var cpuBefore = PlatformCpu.Sample(repositoryRoot);
            var started = DateTimeOffset.UtcNow;
            var ids = await Task.WhenAll(videos.Select(video => gateway.UploadAsync(video, Defaults, cancellationToken)));
            uploaded.AddRange(ids);
            var statuses = await WaitAsync(ids, started, progress, cancellationToken);
            var cpu = PlatformCpu.Difference(cpuBefore, PlatformCpu.Sample(repositoryRoot));
            IReadOnlyList<(string Process, string Stage, double Seconds)> stages = [];
            IReadOnlyDictionary<string, double> jit = new Dictionary<string, double>();
            if (stagesBefore is not null)
            {
                var stagesAfter = await PlatformStages.TakeAsync(gatewayAddress!, repositoryRoot, cancellationToken);
                stages = PlatformStages.Difference(stagesBefore, stagesAfter);
                jit = PlatformStages.JitDifference(stagesBefore, stagesAfter);
            }
            var first = (await gateway.GetClipsAsync(ids[0], cancellationToken)).MinBy(c => c.Index)
                ?? throw new UserInputException($"video {ids[0]} has no analysed clips: {statuses[0].Error}");
            return new PipelineRun(
                ids.Length, statuses.Sum(s => s.Progress.Total), statuses.Sum(s => s.Progress.Failed), statuses.Count(s => s.State == VideoState.Failed),
                (statuses.Max(s => s.UpdatedAt) - started).TotalSeconds, first.EndSeconds - first.StartSeconds,
                first.Answers.Select(a => a.Question).ToList(), cpu, stages, jit);
        }
        finally
        {
            foreach (var id in keepVideos ? [] : uploaded)
            {
                await gateway.DeleteAsync(id, CancellationToken.None);
            }
        }
    }

    /// <summary>Polls until every video is finished; their last statuses, in the order of <paramref name="ids"/>.</summary>
    private async Task<IReadOnlyList<VideoStatus>> WaitAsync(
        IReadOnlyList<Guid> ids, DateTimeOffset started, Action<double, double, string> progress, CancellationToken cancellationToken)
    {
        var latest = new Dictionary<Guid, VideoStatus>();
        while (true)
        {
            foreach (var id in ids.Where(id => !latest.TryGetValue(id, out var status) || !GatewayClient.IsFinished(status.State)))
            {
                latest[id] = await gateway.GetStatusAsync(id, cancellationToken);
            }
            var finished = latest.Values.Count(s => GatewayClient.IsFinished(s.State));
            progress(latest.Values.Sum(s => s.Progress.Done), Math.Max(1, latest.Values.Sum(s => s.Progress.Total)), $"{finished}/{ids.Count} videos");
            if (finished == ids.Count) return ids.Select(id => latest[id]).ToList();
            if (DateTimeOffset.UtcNow - started > timeout)
            {
                throw new UserInputException(
                    $"the platform finished {finished} of {ids.Count} videos in {timeout.TotalSeconds:0} s; see the hosts' logs under $VCP_HOME/logs");
            }
            await Task.Delay(PollInterval, cancellationToken);
        }
    }
}
