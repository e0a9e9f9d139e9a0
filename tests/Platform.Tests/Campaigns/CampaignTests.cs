using VideoCoca.Contracts.Api;
using VideoCoca.Contracts.Messages;
using VideoCoca.Platform.Tests.EndToEnd;
using VideoCoca.Platform.Tests.Infrastructure;

namespace VideoCoca.Platform.Tests.Campaigns;

/// <summary>
/// An operator re-processes the catalogue under a second model version (other weights, another input size) while new
/// uploads keep arriving for the same version: every clip is analysed once under it, the uploads' clips go ahead of the
/// campaign's, pause and resume hold and release the campaign, and the old version's results stay as they were.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class CampaignTests(PrivateStackFixture own) : IClassFixture<PrivateStackFixture>
{
    private const int Videos = 20;
    private const int ScenesPerVideo = 2;
    // The uploads' four clips fill one upload batch, which so runs the moment its clips arrive (an upload batch that is
    // not full waits Worker:BatchTimeLimit for more); the campaign's forty clips go in batches of four.
    private const int BatchSize = 4;
    private const int CampaignBatchSize = 4;

    [Fact(Timeout = 600_000)]
    public async Task ACampaignReanalysesEveryClipOnceWhileNewUploadsGoFirst()
    {
        await using var platform = new RunningPlatform(own.Stack, "campaign");
        var campaigns = new CampaignDriver(platform, own.Stack);
        // Four clips a tick: the campaign takes its forty clips over ten ticks, long enough to be paused half-way.
        // No limit on clips in flight: with no worker of its version, the campaign queues all forty clips in its lane.
        platform.StartSilo("silo", settings: new Dictionary<string, string>(CampaignDriver.FastCampaigns)
        {
            ["Campaigns__MaxClipsPerTick"] = "4", ["Campaigns__MaxInFlight"] = "1000",
        });
        platform.StartWorker("worker-a");
        platform.StartGateway();
        await platform.CheckAsync(async () =>
        {
            var rendered = await Task.WhenAll(Enumerable.Range(0, Videos + 2).Select(i =>
                WorldVideo.RenderAsync(Path.Combine(platform.Folder, "videos", $"catalogue-{i}.mp4"), seed: 300 + i, scenes: ScenesPerVideo)));
            await platform.WaitUntilReadyAsync();
            var catalogue = new List<Guid>();
            foreach (var video in rendered.Take(Videos)) catalogue.Add(await platform.UploadAsync(video.Path));
            RunningPlatform.AssertAllCompleted(await platform.WaitForFinishedAsync(catalogue, TimeSpan.FromMinutes(4)),
                catalogue.ToDictionary(id => id, _ => ScenesPerVideo));
            var first = (await platform.ModelVersionNamesAsync())[0];
            var catalogueClips = Videos * ScenesPerVideo;

            // The second version registers (so the campaign knows its input), then its worker goes away: the campaign's
            // clips wait in its campaign lane, and the new uploads' clips in its upload lane.
            var secondWorker = platform.StartWorker("worker-b", new Dictionary<string, string>
            {
                ["Worker__ModelPath"] = CampaignDriver.SecondModelPath,
                ["Worker__BatchSize"] = BatchSize.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["Worker__CampaignBatchSize"] = CampaignBatchSize.ToString(System.Globalization.CultureInfo.InvariantCulture),
            });
            var second = await campaigns.WaitForVersionAsync(first, TimeSpan.FromMinutes(2));
            await secondWorker.CrashAsync();

            var campaign = await campaigns.StartAsync(new { model_version = second, clips_per_minute = 100_000 });
            Assert.Equal((CampaignStates.Running, first), (campaign.State, campaign.SourceModelVersion));

            // Paused, it sends nothing more; resumed, it goes on from where it stopped.
            var paused = await campaigns.ControlAsync(campaign.Id, "pause");
            Assert.Equal(System.Net.HttpStatusCode.OK, paused.Status);
            var atPause = await campaigns.LedgerAsync(campaign.Id);
            Assert.True(atPause.Taken < catalogueClips, $"the campaign took all {atPause.Taken} clips before it could be paused");
            Assert.Equal(System.Net.HttpStatusCode.Conflict, (await campaigns.ControlAsync(campaign.Id, "pause")).Status);
            // Several ticks' time: a paused campaign takes nothing more (a running one takes four clips a tick).
            await Task.Delay(TimeSpan.FromSeconds(3));
            Assert.Equal(atPause, await campaigns.LedgerAsync(campaign.Id));
            Assert.Equal(CampaignStates.Paused, (await campaigns.GetAsync(campaign.Id)).State);
            var resumed = await campaigns.ControlAsync(campaign.Id, "resume");
            Assert.Equal(System.Net.HttpStatusCode.OK, resumed.Status);
            await CampaignDriver.WaitUntilAsync(async () => (await campaigns.LedgerAsync(campaign.Id)).Sent == catalogueClips, "every catalogue clip sent");
            Assert.Equal((uint)catalogueClips, (await platform.QueueAsync(ClipQueues.CampaignsFor(second)))!.Messages);

            // New uploads for the second version, queued behind the campaign's forty clips.
            await campaigns.ActivateAsync(second);
            var uploads = new List<Guid>();
            foreach (var video in rendered.Skip(Videos)) uploads.Add(await platform.UploadAsync(video.Path));
            var uploadClips = uploads.Count * ScenesPerVideo;
            // The lane may not exist before the first upload's clip is sent (the crashed worker may not have declared it).
            await CampaignDriver.WaitUntilAsync(async () => (await platform.QueueAsync(ClipQueues.For(second)))?.Messages == uploadClips,
                "the uploads' clips queued for the second version");
            Assert.Equal((uint)catalogueClips, (await platform.QueueAsync(ClipQueues.CampaignsFor(second)))!.Messages);

            platform.StartWorker("worker-b2", new Dictionary<string, string>
            {
                ["Worker__ModelPath"] = CampaignDriver.SecondModelPath,
                ["Worker__BatchSize"] = BatchSize.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["Worker__CampaignBatchSize"] = CampaignBatchSize.ToString(System.Globalization.CultureInfo.InvariantCulture),
            });
            var finished = await platform.WaitForFinishedAsync(uploads, TimeSpan.FromMinutes(3));
            Assert.All(finished.Values, s => Assert.Equal(VideoState.Completed, s.State));
            var done = await campaigns.WaitForAsync(campaign.Id, c => c.State == CampaignStates.Completed, "completed", TimeSpan.FromMinutes(4));

            // Every catalogue clip once under the second version; the first version's results untouched.
            var underSecond = await campaigns.ResultsUnderAsync(catalogue, second);
            Assert.Equal(catalogueClips, underSecond.Count);
            Assert.All(underSecond.Values, count => Assert.Equal(1, count));
            Assert.Equal(catalogueClips, (await campaigns.ResultsUnderAsync(catalogue, first)).Count);
            Assert.Equal((catalogueClips, catalogueClips, catalogueClips, 0L), await campaigns.LedgerAsync(campaign.Id) is var l ? (l.Taken, l.Sent, l.Done, l.Failed) : default);
            // The uploads finished in scope with results of their own: counted as done, never taken by the campaign.
            Assert.Equal((catalogueClips + uploadClips, catalogueClips + uploadClips, 0, 1.0), (done.Total, done.Done, done.Failed, done.Progress));

            // The uploads went first: the worker started with forty campaign clips and four upload clips waiting, and the
            // uploads' batch went into the model after at most the campaign batch already there and the one that may have
            // reached the model's gate before the uploads' batch was gathered (in arrival order it would have come last).
            var uploadsStored = (await campaigns.StoredAtAsync(uploads, second)).Max(r => r.At);
            var campaignAhead = (await campaigns.StoredAtAsync(catalogue, second)).Count(r => r.At < uploadsStored);
            Assert.True(campaignAhead <= 2 * CampaignBatchSize,
                $"{campaignAhead} campaign clips were stored before the last upload clip; at most {2 * CampaignBatchSize} (two campaign batches) may go first");

            // The second version is active: the clips of a catalogue video are read under it.
            var clips = await platform.GetClipsAsync(catalogue[0]);
            Assert.All(clips, c => Assert.Equal((second, ClipStates.Analysed), (c.ModelVersion, c.State)));
            await platform.AssertQueuesDrainedAsync();
        });
    }
}
