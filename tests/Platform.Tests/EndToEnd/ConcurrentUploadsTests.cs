using VideoCoca.Platform.Tests.Infrastructure;

namespace VideoCoca.Platform.Tests.EndToEnd;

/// <summary>A cluster of two silos and two workers (separate processes) under 20 uploads at once.</summary>
[Collection(StackCollection.Name)]
public sealed class ConcurrentUploadsTests(StackFixture stack)
{
    private const int Uploads = 20;

    [Fact(Timeout = 360_000)]
    public async Task TwentyUploadsAtOnceOnTwoSilosAndTwoWorkersAllCompleteWithEveryClipAnalysedExactlyOnce()
    {
        await using var platform = new RunningPlatform(stack, "twenty");
        platform.StartSilo("silo-a");
        platform.StartSilo("silo-b");
        platform.StartWorker("worker-1");
        platform.StartWorker("worker-2");
        platform.StartGateway();
        await platform.CheckAsync(async () =>
        {
            // Short videos (one or two scenes of 4 s: 30 clips in all) keep the run short on a small machine.
            var videos = await Task.WhenAll(Enumerable.Range(0, Uploads).Select(i =>
                WorldVideo.RenderAsync(Path.Combine(platform.Folder, "videos", $"upload-{i:D2}.mp4"), seed: 100 + i, scenes: 1 + i % 2)));
            await platform.WaitUntilReadyAsync();

            var ids = await Task.WhenAll(videos.Select(v => platform.UploadAsync(v.Path)));
            Assert.Equal(Uploads, ids.Distinct().Count());
            var clipsPerVideo = ids.Zip(videos).ToDictionary(p => p.First, p => p.Second.Scenes.Count);

            RunningPlatform.AssertAllCompleted(await platform.WaitForFinishedAsync(ids, TimeSpan.FromMinutes(3)), clipsPerVideo);
            await platform.AssertEveryClipAnalysedOnceAsync(clipsPerVideo);
            await platform.AssertQueuesDrainedAsync();
        });
    }
}
