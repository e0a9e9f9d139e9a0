using System.Net;
using VideoCoca.Contracts.Api;
using VideoCoca.Platform.Tests.EndToEnd;
using VideoCoca.Platform.Tests.Infrastructure;

namespace VideoCoca.Platform.Tests.Campaigns;

/// <summary>A campaign outside its daily window publishes nothing and says it is waiting; cancelled, it is over; inside its window, one runs.</summary>
[Collection(StackCollection.Name)]
public sealed class CampaignWindowTests(PrivateStackFixture own) : IClassFixture<PrivateStackFixture>
{
    [Fact(Timeout = 420_000)]
    public async Task ACampaignOutsideItsWindowPublishesNothingAndCancelEndsIt()
    {
        await using var platform = new RunningPlatform(own.Stack, "campaign-window");
        var campaigns = new CampaignDriver(platform, own.Stack);
        platform.StartSilo("silo", settings: CampaignDriver.FastCampaigns);
        platform.StartWorker("worker-a");
        platform.StartGateway();
        await platform.CheckAsync(async () =>
        {
            var video = await WorldVideo.RenderAsync(Path.Combine(platform.Folder, "window.mp4"), seed: 500, scenes: 2);
            await platform.WaitUntilReadyAsync();
            var id = await platform.UploadAsync(video.Path);
            RunningPlatform.AssertAllCompleted(await platform.WaitForFinishedAsync([id], TimeSpan.FromMinutes(2)), new Dictionary<Guid, int> { [id] = 2 });
            var first = (await platform.ModelVersionNamesAsync())[0];
            platform.StartWorker("worker-b", new Dictionary<string, string> { ["Worker__ModelPath"] = CampaignDriver.SecondModelPath });
            var second = await campaigns.WaitForVersionAsync(first, TimeSpan.FromMinutes(2));

            // A window that closed an hour ago and opens in an hour, in a zone other than the machine's.
            var zone = "Asia/Kolkata";
            var local = TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow, TimeZoneInfo.FindSystemTimeZoneById(zone));
            var closed = $"{local.AddHours(1):HH:mm}-{local.AddHours(-1):HH:mm}";
            var outside = await campaigns.StartAsync(new { model_version = second, window = closed, time_zone = zone });
            var waiting = await campaigns.WaitForAsync(outside.Id, c => c.Detail?.Contains("waiting for its window", StringComparison.Ordinal) == true,
                "waiting for its window", TimeSpan.FromMinutes(1));
            Assert.False(waiting.InWindow);
            // Ticks go by (four a second here); none of them may send anything.
            await Task.Delay(TimeSpan.FromSeconds(3));
            Assert.Equal((0L, 0L), await campaigns.LedgerAsync(outside.Id) is var l ? (l.Taken, l.Sent) : default);
            Assert.Equal(0, (await campaigns.GetAsync(outside.Id)).Done);

            Assert.Equal(HttpStatusCode.OK, (await campaigns.ControlAsync(outside.Id, "cancel")).Status);
            Assert.Equal(CampaignStates.Cancelled, (await campaigns.GetAsync(outside.Id)).State);
            Assert.Equal(HttpStatusCode.Conflict, (await campaigns.ControlAsync(outside.Id, "resume")).Status);
            Assert.Equal(HttpStatusCode.Conflict, (await campaigns.ControlAsync(outside.Id, "cancel")).Status);

            // A window around now: the same campaign runs to the end.
            var open = $"{local.AddHours(-1):HH:mm}-{local.AddHours(1):HH:mm}";
            var inside = await campaigns.StartAsync(new { model_version = second, window = open, time_zone = zone });
            Assert.True(inside.InWindow);
            var done = await campaigns.WaitForAsync(inside.Id, c => c.State == CampaignStates.Completed, "completed", TimeSpan.FromMinutes(2));
            Assert.Equal((2, 2, 0), (done.Total, done.Done, done.Failed));
            Assert.Equal((0L, 0L), await campaigns.LedgerAsync(outside.Id) is var after ? (after.Taken, after.Sent) : default);

            // Requests the API refuses, with the field named.
            foreach (var (body, field) in new (object, string)[]
            {
                (new { model_version = second, window = "25:00-02:00" }, "window"),
                (new { model_version = second, time_zone = "Mars/Olympus" }, "time_zone"),
                (new { model_version = "no-such-version" }, "model_version"),
                (new { model_version = second, clips_per_minute = 0 }, "clips_per_minute"),
            })
            {
                using var response = await platform.Http.PostAsync("/api/campaigns",
                    new StringContent(System.Text.Json.JsonSerializer.Serialize(body), System.Text.Encoding.UTF8, "application/json"));
                var text = await response.Content.ReadAsStringAsync();
                Assert.True(response.StatusCode == HttpStatusCode.BadRequest && text.Contains(field, StringComparison.Ordinal),
                    $"{System.Text.Json.JsonSerializer.Serialize(body)} answered {(int)response.StatusCode}: {text}");
            }
        });
    }
}
