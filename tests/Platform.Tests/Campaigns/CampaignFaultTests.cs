using VideoCoca.Contracts.Api;
using VideoCoca.Platform.Tests.EndToEnd;
using VideoCoca.Platform.Tests.Infrastructure;

namespace VideoCoca.Platform.Tests.Campaigns;

/// <summary>
/// A campaign whose silo is killed after it has sent some of its clips, and whose worker is killed after storing some of a
/// batch's results (each held there by a test hook, so the faults land at the same point on a fast or a busy machine):
/// the campaign still finishes, with every clip analysed exactly once under its version.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class CampaignFaultTests(PrivateStackFixture own) : IClassFixture<PrivateStackFixture>
{
    private const int Videos = 10;
    private const int ScenesPerVideo = 2;
    private const int HoldAfterPublished = 12;
    private const int HoldAfterStored = 5;

    [Fact(Timeout = 600_000)]
    public async Task ASiloAndAWorkerKilledMidCampaignLoseAndDuplicateNothing()
    {
        await using var platform = new RunningPlatform(own.Stack, "campaign-faults");
        var campaigns = new CampaignDriver(platform, own.Stack);
        var siloSettings = new Dictionary<string, string>(CampaignDriver.FastCampaigns)
        {
            ["Campaigns__MaxClipsPerTick"] = "4",
            ["Campaigns__HoldAfterPublished"] = HoldAfterPublished.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        var silos = new[] { platform.StartSilo("silo-a", settings: siloSettings), platform.StartSilo("silo-b", settings: siloSettings) };
        platform.StartWorker("worker-a");
        platform.StartGateway();
        await platform.CheckAsync(async () =>
        {
            var rendered = await Task.WhenAll(Enumerable.Range(0, Videos).Select(i =>
                WorldVideo.RenderAsync(Path.Combine(platform.Folder, "videos", $"faults-{i}.mp4"), seed: 400 + i, scenes: ScenesPerVideo)));
            await platform.WaitUntilReadyAsync();
            var catalogue = new List<Guid>();
            foreach (var video in rendered) catalogue.Add(await platform.UploadAsync(video.Path));
            RunningPlatform.AssertAllCompleted(await platform.WaitForFinishedAsync(catalogue, TimeSpan.FromMinutes(3)),
                catalogue.ToDictionary(id => id, _ => ScenesPerVideo));
            var first = (await platform.ModelVersionNamesAsync())[0];
            var clips = Videos * ScenesPerVideo;

            var heldWorker = platform.StartWorker("worker-b1", new Dictionary<string, string>
            {
                ["Worker__ModelPath"] = CampaignDriver.SecondModelPath,
                ["Worker__HoldAfterStoredResults"] = HoldAfterStored.ToString(System.Globalization.CultureInfo.InvariantCulture),
            });
            var second = await campaigns.WaitForVersionAsync(first, TimeSpan.FromMinutes(2));
            var campaign = await campaigns.StartAsync(new { model_version = second, clips_per_minute = 100_000, activate_on_completion = true });

            // The silo running the campaign's grain holds after sending twelve clips: killed there.
            var held = await WaitForLogAsync(silos, $"Campaign {campaign.Id}: holding after {HoldAfterPublished} clips published");
            await held.CrashAsync();
            var survivor = silos.Single(s => s != held);
            Assert.Equal(HoldAfterPublished, (await campaigns.LedgerAsync(campaign.Id)).Sent);

            // The worker holds half-way through a batch, some results stored and the batch unacknowledged: killed there.
            await WaitForLogAsync([heldWorker], $"Holding after storing {HoldAfterStored} results");
            await heldWorker.CrashAsync();
            Assert.Equal(HoldAfterStored, (await campaigns.ResultsUnderAsync(catalogue, second)).Count);
            platform.StartWorker("worker-b2", new Dictionary<string, string> { ["Worker__ModelPath"] = CampaignDriver.SecondModelPath });

            var done = await campaigns.WaitForAsync(campaign.Id, c => c.State == CampaignStates.Completed, "completed", TimeSpan.FromMinutes(4));
            Assert.Equal((clips, clips, 0), (done.Total, done.Done, done.Failed));
            var underSecond = await campaigns.ResultsUnderAsync(catalogue, second);
            Assert.Equal(clips, underSecond.Count);
            Assert.All(underSecond.Values, count => Assert.Equal(1, count));
            var ledger = await campaigns.LedgerAsync(campaign.Id);
            Assert.Equal((clips, clips, clips, 0L), (ledger.Taken, ledger.Sent, ledger.Done, ledger.Failed));
            Assert.True(survivor.LogContains($"Campaign {campaign.Id}: published"), $"{survivor.Name} never carried the campaign on");
            // Activated on completion: reads follow the second version.
            Assert.Equal(second, (await platform.ModelVersionNamesAsync())[0]);
            Assert.Contains("now the active version", done.Detail);
            await platform.AssertQueuesDrainedAsync();
        });
    }

    private static async Task<HostProcess> WaitForLogAsync(IReadOnlyList<HostProcess> hosts, string text)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
        while (true)
        {
            if (hosts.FirstOrDefault(h => h.LogContains(text)) is { } host) return host;
            Assert.True(DateTime.UtcNow < deadline, $"no host logged '{text}' within 2 minutes");
            await Task.Delay(100);
        }
    }
}
