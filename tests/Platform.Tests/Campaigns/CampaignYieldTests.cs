using VideoCoca.Contracts.Api;
using VideoCoca.Contracts.Messages;
using VideoCoca.Platform.Tests.EndToEnd;
using VideoCoca.Platform.Tests.Infrastructure;

namespace VideoCoca.Platform.Tests.Campaigns;

/// <summary>
/// New uploads come first from the campaigns' side too: while a new upload is in progress a campaign sends nothing more,
/// and a worker holds back the campaign clips already sent, so that the machine is the upload's; the campaign goes on once
/// the upload is done. On a database of its own: it activates a second version, which no other test's platform may find active.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class CampaignYieldTests(PrivateStackFixture own) : IClassFixture<PrivateStackFixture>
{
    private const int ScenesPerVideo = 2;
    private const int CatalogueVideos = 3;
    private const int InFlight = 4;

    [Fact(Timeout = 600_000)]
    public async Task WhileANewUploadIsInProgressACampaignSendsNothingMoreAndItsClipsSentWaitForTheUpload()
    {
        await using var platform = new RunningPlatform(own.Stack, "campaign-yield");
        var campaigns = new CampaignDriver(platform, own.Stack);
        platform.StartSilo("silo", settings: new Dictionary<string, string>(CampaignDriver.FastCampaigns)
        {
            // Four of the catalogue's six clips out at once: the campaign has clips in flight, and clips left to send.
            ["Campaigns__MaxInFlight"] = InFlight.ToString(System.Globalization.CultureInfo.InvariantCulture),
            // The upload below must count as in progress however slow the machine is.
            ["Campaigns__UploadActivity"] = "00:30:00",
        });
        platform.StartWorker("worker-a");
        platform.StartGateway();
        await platform.CheckAsync(async () =>
        {
            var rendered = await Task.WhenAll(Enumerable.Range(0, CatalogueVideos + 1).Select(i =>
                WorldVideo.RenderAsync(Path.Combine(platform.Folder, "videos", $"yield-{i}.mp4"), seed: 340 + i, scenes: ScenesPerVideo)));
            await platform.WaitUntilReadyAsync();
            var catalogue = new List<Guid>();
            foreach (var video in rendered.Take(CatalogueVideos)) catalogue.Add(await platform.UploadAsync(video.Path));
            RunningPlatform.AssertAllCompleted(await platform.WaitForFinishedAsync(catalogue, TimeSpan.FromMinutes(3)),
                catalogue.ToDictionary(id => id, _ => ScenesPerVideo));
            var first = (await platform.ModelVersionNamesAsync())[0];

            // The second version registers, then its worker goes: what is sent for it waits in its lanes.
            var secondWorker = platform.StartWorker("worker-b", new Dictionary<string, string> { ["Worker__ModelPath"] = CampaignDriver.SecondModelPath });
            var second = await campaigns.WaitForVersionAsync(first, TimeSpan.FromMinutes(2));
            await secondWorker.CrashAsync();
            var campaign = await campaigns.StartAsync(new { model_version = second, clips_per_minute = 100_000, scope = new { video_ids = catalogue } });
            await CampaignDriver.WaitUntilAsync(async () => (await campaigns.LedgerAsync(campaign.Id)).Sent == InFlight, $"the campaign's first {InFlight} clips sent");

            // A new upload for the second version stays in progress, its clips queued: the campaign takes nothing more.
            await campaigns.ActivateAsync(second);
            var upload = await platform.UploadAsync(rendered[^1].Path);
            await CampaignDriver.WaitUntilAsync(async () => (await platform.QueueAsync(ClipQueues.For(second)))?.Messages == ScenesPerVideo,
                "the new upload's clips queued for the second version");
            var yielding = await campaigns.WaitForAsync(campaign.Id, c => c.Detail?.Contains("yielding to 1 new upload in progress") == true,
                "yielding to the upload", TimeSpan.FromMinutes(1));
            Assert.Equal((CampaignStates.Running, InFlight), (yielding.State, yielding.InFlight));
            Assert.Equal(((long)InFlight, (long)InFlight), await campaigns.LedgerAsync(campaign.Id) is var ledger ? (ledger.Taken, ledger.Sent) : default);

            // A worker of the second version finds a full campaign batch waiting and the upload's clips (a batch that is
            // not full, so gathered for Worker:BatchTimeLimit): the campaign's batch waits for the upload all the same.
            platform.StartWorker("worker-b2", new Dictionary<string, string>
            {
                ["Worker__ModelPath"] = CampaignDriver.SecondModelPath,
                ["Worker__CampaignBatchSize"] = InFlight.ToString(System.Globalization.CultureInfo.InvariantCulture),
            });
            Assert.Equal(VideoState.Completed, (await platform.WaitForFinishedAsync([upload], TimeSpan.FromMinutes(3)))[upload].State);
            var done = await campaigns.WaitForAsync(campaign.Id, c => c.State == CampaignStates.Completed, "completed", TimeSpan.FromMinutes(3));
            Assert.Equal((CatalogueVideos * ScenesPerVideo, CatalogueVideos * ScenesPerVideo, 0), (done.Total, done.Done, done.Failed));
            var uploadStored = (await campaigns.StoredAtAsync([upload], second)).Max(r => r.At);
            var campaignStored = await campaigns.StoredAtAsync(catalogue, second);
            Assert.Equal(CatalogueVideos * ScenesPerVideo, campaignStored.Count);
            Assert.All(campaignStored, r => Assert.True(r.At > uploadStored, $"campaign clip {r.ClipId} was stored at {r.At:O}, before the upload's last clip ({uploadStored:O})"));
        });
    }
}
