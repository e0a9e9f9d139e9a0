using VideoCoca.Contracts.Api;
using VideoCoca.Contracts.Messages;
using VideoCoca.Platform.Tests.EndToEnd;
using VideoCoca.Platform.Tests.Infrastructure;

namespace VideoCoca.Platform.Tests.Campaigns;

/// <summary>
/// New uploads come first from the campaign's side too: while a new upload is in progress a campaign sends nothing (the
/// workers, the silo and the database are the upload's), and it starts once the upload is done. On a database of its own:
/// it activates a second version, which no other test's platform may find active.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class CampaignYieldTests(PrivateStackFixture own) : IClassFixture<PrivateStackFixture>
{
    private const int ScenesPerVideo = 2;

    [Fact(Timeout = 600_000)]
    public async Task ACampaignSendsNothingWhileANewUploadIsInProgressAndStartsOnceItIsDone()
    {
        await using var platform = new RunningPlatform(own.Stack, "campaign-yield");
        var campaigns = new CampaignDriver(platform, own.Stack);
        platform.StartSilo("silo", settings: new Dictionary<string, string>(CampaignDriver.FastCampaigns)
        {
            // The held upload below must count as in progress however slow the machine is.
            ["Campaigns__UploadActivity"] = "00:30:00",
        });
        platform.StartWorker("worker-a");
        platform.StartGateway();
        await platform.CheckAsync(async () =>
        {
            var rendered = await Task.WhenAll(Enumerable.Range(0, 3).Select(i =>
                WorldVideo.RenderAsync(Path.Combine(platform.Folder, "videos", $"yield-{i}.mp4"), seed: 340 + i, scenes: ScenesPerVideo)));
            await platform.WaitUntilReadyAsync();
            var catalogue = new List<Guid>();
            foreach (var video in rendered.Take(2)) catalogue.Add(await platform.UploadAsync(video.Path));
            RunningPlatform.AssertAllCompleted(await platform.WaitForFinishedAsync(catalogue, TimeSpan.FromMinutes(3)),
                catalogue.ToDictionary(id => id, _ => ScenesPerVideo));
            var first = (await platform.ModelVersionNamesAsync())[0];

            // The second version registers, then its worker goes: a new upload for it stays in progress, its clips queued.
            var secondWorker = platform.StartWorker("worker-b", new Dictionary<string, string> { ["Worker__ModelPath"] = CampaignDriver.SecondModelPath });
            var second = await campaigns.WaitForVersionAsync(first, TimeSpan.FromMinutes(2));
            await secondWorker.CrashAsync();
            await campaigns.ActivateAsync(second);
            var upload = await platform.UploadAsync(rendered[2].Path);
            await WaitUntilAsync(async () => (await platform.QueueAsync(ClipQueues.For(second)))?.Messages == ScenesPerVideo,
                "the new upload's clips queued for the second version");

            // The campaign sees the upload in progress and takes nothing while it is.
            var campaign = await campaigns.StartAsync(new { model_version = second, clips_per_minute = 100_000, scope = new { video_ids = catalogue } });
            var yielding = await campaigns.WaitForAsync(campaign.Id, c => c.Detail?.Contains("yielding to 1 new upload in progress") == true,
                "yielding to the upload", TimeSpan.FromMinutes(1));
            Assert.Equal((CampaignStates.Running, 0), (yielding.State, yielding.InFlight));
            Assert.Equal((0L, 0L), await campaigns.LedgerAsync(campaign.Id) is var ledger ? (ledger.Taken, ledger.Sent) : default);

            // A worker of the second version: the upload completes, then the campaign runs.
            platform.StartWorker("worker-b2", new Dictionary<string, string> { ["Worker__ModelPath"] = CampaignDriver.SecondModelPath });
            Assert.Equal(VideoState.Completed, (await platform.WaitForFinishedAsync([upload], TimeSpan.FromMinutes(3)))[upload].State);
            var done = await campaigns.WaitForAsync(campaign.Id, c => c.State == CampaignStates.Completed, "completed", TimeSpan.FromMinutes(3));
            Assert.Equal((2 * ScenesPerVideo, 2 * ScenesPerVideo, 0), (done.Total, done.Done, done.Failed));
            var uploadStored = (await campaigns.StoredAtAsync([upload], second)).Max(r => r.At);
            var campaignStored = await campaigns.StoredAtAsync(catalogue, second);
            Assert.Equal(2 * ScenesPerVideo, campaignStored.Count);
            Assert.All(campaignStored, r => Assert.True(r.At > uploadStored, $"campaign clip {r.ClipId} was stored at {r.At:O}, before the upload's last clip ({uploadStored:O})"));
        });
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"waited 2 minutes for {what}");
            await Task.Delay(250);
        }
    }
}
