using VideoCoca.Contracts.Api;
using VideoCoca.Contracts.Messages;
using VideoCoca.Platform.Tests.Infrastructure;

namespace VideoCoca.Platform.Tests.EndToEnd;

/// <summary>
/// Clips queued while no worker is up yet (the first worker still loading a large model, or every worker being
/// replaced after a model update) wait: before any version is registered in the shared queue, on a broker that has never
/// seen a worker; once the first worker has made its version the active one, in that version's own queue.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class LateWorkerTests(PrivateStackFixture own) : IClassFixture<PrivateStackFixture>
{
    [Fact(Timeout = 300_000)]
    public async Task ClipsQueuedWhileNoWorkerIsUpWaitForOneAndAreAnalysedOnce()
    {
        // A virtual host of its own: no worker has ever declared its queue there, and no other class left clips in it.
        await using var platform = new RunningPlatform(own.Stack, "late-worker");
        platform.StartSilo("silo");
        platform.StartGateway();
        await platform.CheckAsync(async () =>
        {
            var first = await WorldVideo.RenderAsync(Path.Combine(platform.Folder, "two-scenes.mp4"), seed: 7, scenes: 2);
            var second = await WorldVideo.RenderAsync(Path.Combine(platform.Folder, "three-scenes.mp4"), seed: 8, scenes: 3);
            await platform.WaitUntilReadyAsync();

            // Before any worker: the clips wait in the workers' queue, one message each.
            var firstId = await platform.UploadAsync(first.Path);
            await WaitUntilAnalysingAsync(platform, firstId);
            Assert.Equal(new QueueState(2, 0), await platform.QueueAsync(RunningPlatform.AnalyzeQueue));
            var worker = platform.StartWorker("worker-1");
            var clipsPerVideo = new Dictionary<Guid, int> { [firstId] = 2 };
            RunningPlatform.AssertAllCompleted(await platform.WaitForFinishedAsync([firstId], TimeSpan.FromMinutes(2)), clipsPerVideo);

            // Between workers: the first worker's version is now the active one, and new clips wait in its queue, one message a clip.
            await worker.CrashAsync();
            var secondId = await platform.UploadAsync(second.Path);
            await WaitUntilAnalysingAsync(platform, secondId);
            var active = (await platform.ModelVersionNamesAsync())[0];
            Assert.Equal(new QueueState(3, 0), await platform.QueueAsync(ClipQueues.For(active)));
            Assert.Equal(new QueueState(0, 0), await platform.QueueAsync(RunningPlatform.AnalyzeQueue));
            platform.StartWorker("worker-2");
            clipsPerVideo[secondId] = 3;
            RunningPlatform.AssertAllCompleted(await platform.WaitForFinishedAsync([firstId, secondId], TimeSpan.FromMinutes(2)), clipsPerVideo);
            await platform.AssertEveryClipAnalysedOnceAsync(clipsPerVideo);
            await platform.AssertQueuesDrainedAsync();
        });
    }

    private static async Task WaitUntilAnalysingAsync(RunningPlatform platform, Guid videoId)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
        while ((await platform.GetStatusAsync(videoId)).State != VideoState.Analysing)
        {
            Assert.True(DateTime.UtcNow < deadline, $"video {videoId} never reached analysing: {await platform.GetStatusAsync(videoId)}");
            await Task.Delay(200);
        }
    }
}
