using VideoCoca.Platform.Tests.Infrastructure;

namespace VideoCoca.Platform.Tests.EndToEnd;

/// <summary>
/// Hosts killed with SIGKILL mid-work, as a crash or the OOM killer would: a worker while it analyses (results partly
/// written, messages taken and not acknowledged) and a silo while it splits a video (clips partly recorded). The
/// platform must still finish every video, with every clip stored once and none lost.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class CrashRecoveryTests(StackFixture stack)
{
    private const int Videos = 6;
    private const int ScenesPerVideo = 4;
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(1);

    [Fact(Timeout = 480_000)]
    public async Task AWorkerKilledMidBatchAndASiloKilledMidIngestLoseAndDuplicateNothing()
    {
        await using var platform = new RunningPlatform(stack, "crash");
        // A pause after each clip keeps every ingest going for seconds, long enough to kill a silo half-way through one.
        var clipDelay = TimeSpan.FromSeconds(1);
        var silos = new[] { platform.StartSilo("silo-a", clipDelay), platform.StartSilo("silo-b", clipDelay) };
        var firstWorker = platform.StartWorker("worker-1");
        platform.StartGateway();
        await platform.CheckAsync(async () =>
        {
            var videos = await Task.WhenAll(Enumerable.Range(0, Videos).Select(i =>
                WorldVideo.RenderAsync(Path.Combine(platform.Folder, "videos", $"crash-{i}.mp4"), seed: 200 + i, scenes: ScenesPerVideo)));
            await platform.WaitUntilReadyAsync();
            var ids = await Task.WhenAll(videos.Select(v => platform.UploadAsync(v.Path)));
            var totalClips = Videos * ScenesPerVideo;

            // The worker: killed once some results are stored and others not (it holds a batch's messages unacknowledged).
            await WaitUntilAsync(async () => await platform.ResultCountAsync(ids) >= 1, "a first result stored");
            await firstWorker.CrashAsync();
            var resultsAtCrash = await platform.ResultCountAsync(ids);
            Assert.InRange(resultsAtCrash, 1, totalClips - 1);
            var secondWorker = platform.StartWorker("worker-2");

            // A silo: the one running a video's grain (it logs the video's id), killed between two of its clips.
            var (victim, videoId, clipsAtCrash) = await KillASiloMidIngestAsync(platform, silos, ids);
            Assert.InRange(clipsAtCrash, 1, ScenesPerVideo - 1);
            var survivor = silos.Single(s => s != victim);

            var clipsPerVideo = ids.ToDictionary(id => id, _ => ScenesPerVideo);
            RunningPlatform.AssertAllCompleted(await platform.WaitForFinishedAsync(ids, TimeSpan.FromMinutes(3)), clipsPerVideo);
            await platform.AssertEveryClipAnalysedOnceAsync(clipsPerVideo);
            await platform.AssertQueuesDrainedAsync();
            // The rest was done by the hosts that were left: the second worker analysed, the surviving silo resumed the split.
            Assert.True(secondWorker.LogContains("Batch of"), "worker-2 analysed nothing");
            Assert.True(survivor.LogContains($"Video {videoId}: resuming the split"), $"{survivor.Name} did not resume video {videoId}");
        });
    }

    /// <summary>Waits until a silo has recorded some but not all clips of a video whose grain it runs, and kills it.</summary>
    private static async Task<(HostProcess Silo, Guid VideoId, long ClipsAtCrash)> KillASiloMidIngestAsync(
        RunningPlatform platform, IReadOnlyList<HostProcess> silos, IReadOnlyList<Guid> ids)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (DateTime.UtcNow < deadline)
        {
            foreach (var id in ids)
            {
                var clips = await platform.ClipRowCountAsync(id);
                var host = silos.FirstOrDefault(s => s.LogContains($"Video {id} received"));
                if (host is null || clips < 1 || clips >= ScenesPerVideo) continue;
                await host.CrashAsync();
                // Counted after the kill: nothing records this video's clips until another silo takes it over.
                return (host, id, await platform.ClipRowCountAsync(id));
            }
            await Task.Delay(50);
        }
        throw new TimeoutException("no video was ever half-split by a live silo");
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"waited {Patience.TotalSeconds:F0} s for {what}");
            await Task.Delay(50);
        }
    }
}
