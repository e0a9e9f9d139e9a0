using System.Net;
using System.Net.Http.Json;
using VideoCoca.Platform.Tests.Infrastructure;
using VideoCoca.World;

namespace VideoCoca.Platform.Tests.EndToEnd;

/// <summary>
/// Search, questions and labels with no worker to run the model: a quick 503, and 409 for a video not yet analysed.
/// A database and virtual host of its own: it registers a model version no worker runs, and leaves clips queued for a
/// worker that never comes, neither of which other classes' checks expect.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class SearchWithoutWorkerTests(PrivateStackFixture own) : IClassFixture<PrivateStackFixture>
{
    private StackFixture Stack => own.Stack;

    [Fact(Timeout = 300_000)]
    public async Task WithoutAWorkerAQueryGets503WithinSecondsAndAVideoNotYetAnalysedGets409()
    {
        await using var platform = new RunningPlatform(Stack, "no-worker");
        platform.StartSilo("silo");
        platform.StartGateway();
        await platform.CheckAsync(async () =>
        {
            var video = await WorldVideo.RenderAsync(Path.Combine(platform.Folder, "pending.mp4"), 5, scenes: 2);
            await platform.WaitUntilReadyAsync();
            // A version whose worker is not running (none runs here): its queries have nobody to answer them.
            var version = $"absent-{Guid.NewGuid():N}"[..20];
            await Stack.RegisterModelVersionAsync(version);
            await SearchAndAskTests.AssertUnavailableQuicklyAsync(platform, () => platform.Http.GetAsync($"/api/search?q=red%20square&model_version={version}"));
            using (var response = await platform.Http.GetAsync("/api/search?q=red&model_version=no-such-version"))
            {
                await SearchAndAskTests.AssertProblemAsync(response, HttpStatusCode.BadRequest, "model_version");
            }

            var id = await platform.UploadAsync(video.Path);
            // Split into clips (queued for a worker that never comes), none analysed.
            var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
            while (await platform.ClipRowCountAsync(id) < 2 && DateTime.UtcNow < deadline) await Task.Delay(250);
            Assert.Equal(2, await platform.ClipRowCountAsync(id));
            using (var response = await platform.Http.PostAsJsonAsync($"/api/videos/{id}/questions", new { question = "what color is the square?" }))
            {
                await SearchAndAskTests.AssertProblemAsync(response, HttpStatusCode.Conflict, null);
            }
            using (var response = await platform.Http.PostAsJsonAsync($"/api/videos/{id}/questions", new { question = "what color is the square?", clip_indexes = new[] { 1 } }))
            {
                await SearchAndAskTests.AssertProblemAsync(response, HttpStatusCode.Conflict, null);
            }
            using (var response = await platform.Http.PostAsJsonAsync($"/api/videos/{id}/labels", new { labels = WorldVocabulary.Actions }))
            {
                await SearchAndAskTests.AssertProblemAsync(response, HttpStatusCode.Conflict, null);
            }
            using (var response = await platform.Http.GetAsync($"/api/videos/{id}/clips/0/similar"))
            {
                await SearchAndAskTests.AssertProblemAsync(response, HttpStatusCode.Conflict, null);
            }
        });
    }
}
