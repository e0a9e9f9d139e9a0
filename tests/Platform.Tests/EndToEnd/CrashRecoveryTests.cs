using VideoCoca.Platform.Tests.Infrastructure;

namespace VideoCoca.Platform.Tests.EndToEnd;

/// <summary>
/// Hosts killed with SIGKILL mid-work, as a crash or the OOM killer would: a worker while it analyses (results partly
/// written, messages taken and not acknowledged) and a silo while it splits videos (clips partly recorded). The
/// platform must still finish every video, with every clip stored once and none lost.
/// Each fault happens at a chosen point, not in a window of time: the hosts' test hooks hold the work there
/// (Ingest:HoldAfterClips, Worker:HoldAfterStoredResults) and the test kills them once they say they hold, so the test
/// proves the same on a fast machine and on a busy one.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class CrashRecoveryTests(StackFixture stack)
{
    private const int Videos = 6;
    private const int ScenesPerVideo = 4;

    /// <summary>The clips of each video the first silo records before it holds and is killed.</summary>
    private const int ClipsAtCrash = 2;

    /// <summary>The results the first worker stores before it holds the next batch and is killed.</summary>
    private const int ResultsAtCrash = 3;

    /// <summary>For conditions, not windows: generous enough for a 2-core machine shared by several builds.</summary>
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(4);

    [Fact(Timeout = 900_000)]
    public async Task AWorkerKilledMidBatchAndASiloKilledMidIngestLoseAndDuplicateNothing()
    {
        await using var platform = new RunningPlatform(stack, "crash");
        // silo-a alone at first, so that every video's grain lives on it; it holds each split after ClipsAtCrash clips.
        var victim = platform.StartSilo("silo-a", new Dictionary<string, string> { ["Ingest__HoldAfterClips"] = $"{ClipsAtCrash}" });
        // 6 videos held at 2 clips publish 12 clips: more than worker-1 stores before it holds.
        var firstWorker = platform.StartWorker("worker-1", new Dictionary<string, string> { ["Worker__HoldAfterStoredResults"] = $"{ResultsAtCrash}" });
        platform.StartGateway();
        await platform.CheckAsync(async () =>
        {
            var videos = await Task.WhenAll(Enumerable.Range(0, Videos).Select(i =>
                WorldVideo.RenderAsync(Path.Combine(platform.Folder, "videos", $"crash-{i}.mp4"), seed: 200 + i, scenes: ScenesPerVideo)));
            await platform.WaitUntilReadyAsync();
            var ids = await Task.WhenAll(videos.Select(v => platform.UploadAsync(v.Path)));

            // Both hosts held at their points: every video split to clip ClipsAtCrash - 1 by silo-a, worker-1 inside a batch.
            await victim.WaitForLogAsync(ids.Select(id => $"Video {id}: holding the ingest after {ClipsAtCrash} clips (Ingest:HoldAfterClips)").ToList(), Patience);
            await firstWorker.WaitForLogAsync($"Holding after storing {ResultsAtCrash} results (Worker:HoldAfterStoredResults)", Patience);

            // The worker: killed with some results stored and the held batch's messages taken and not acknowledged.
            await firstWorker.CrashAsync();
            Assert.Equal(ResultsAtCrash, await platform.ResultCountAsync(ids));
            var secondWorker = platform.StartWorker("worker-2");

            // The silo: a second one joins the cluster, then the first is killed with every video half split.
            var survivor = platform.StartSilo("silo-b");
            await platform.WaitUntilReadyAsync();
            await victim.CrashAsync();
            foreach (var id in ids)
            {
                Assert.Equal(ClipsAtCrash, await platform.ClipRowCountAsync(id));
            }

            var clipsPerVideo = ids.ToDictionary(id => id, _ => ScenesPerVideo);
            RunningPlatform.AssertAllCompleted(await platform.WaitForFinishedAsync(ids, Patience), clipsPerVideo);
            await platform.AssertEveryClipAnalysedOnceAsync(clipsPerVideo);
            await platform.AssertQueuesDrainedAsync();
            // The rest was done by the hosts that were left: the second worker analysed, the surviving silo resumed every split.
            Assert.True(secondWorker.LogContains("Batch of"), "worker-2 analysed nothing");
            foreach (var id in ids)
            {
                Assert.True(survivor.LogContains($"Video {id}: resuming the split at clip {ClipsAtCrash}"), $"{survivor.Name} did not resume video {id} at clip {ClipsAtCrash}");
            }
        });
    }
}
