using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using VideoCoca.Platform.Tests.EndToEnd;
using VideoCoca.Platform.Tests.Infrastructure;
using VideoCoca.UiScreenshots;
using VideoCoca.World;

namespace VideoCoca.Platform.Tests.Web;

/// <summary>
/// The web interface in a real browser (Debian's chromium, headless, through Playwright) on the real platform: what a
/// user does with the pages, checked against what the world video is known to show. A missing chromium fails these
/// tests with the way to install it; nothing is skipped.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class WebInterfaceTests(StackFixture stack)
{
    private static readonly TimeSpan Analysis = TimeSpan.FromMinutes(5);

    [Fact(Timeout = 900_000)]
    public async Task AnEditorUploadsThroughThePageSeesCaptionsSeeksAsksSearchesConfirmsAFlagAndEveryPageRenders()
    {
        await using var platform = new RunningPlatform(stack, "web");
        // Asking reads the clips' frames, which the default retention deletes once a video is analysed.
        platform.StartSilo("silo", settings: new Dictionary<string, string> { ["Retention__Frames"] = "" });
        platform.StartWorker("worker");
        platform.StartGateway();
        await platform.CheckAsync(async () =>
        {
            var world = await WorldVideo.RenderAsync(Path.Combine(platform.Folder, "web-world.mp4"), seed: 1212, scenes: 3);
            await platform.WaitUntilReadyAsync();
            var admin = await platform.AdminHttpAsync(stack);
            var editorKey = await stack.CreateKeyAsync("editor");
            // A watchlist whose phrase is the first scene's caption: the upload's first clip is flagged.
            var watchlistName = $"web-{Guid.NewGuid():N}"[..16];
            using (var created = await admin.PostAsJsonAsync("/api/watchlists", new
            {
                name = watchlistName,
                rules = new object[] { new { kind = "phrase", phrase = world.Scenes[0].Caption } },
            }))
            {
                Assert.True(created.IsSuccessStatusCode, $"POST /api/watchlists answered {(int)created.StatusCode}: {await created.Content.ReadAsStringAsync()}");
            }

            var (playwright, browser) = await SystemChromium.LaunchAsync();
            using var _ = playwright;
            await using var __ = browser;
            var page = await browser.SignedInPageAsync(platform, editorKey);
            // What the page's scripts report goes into a failure's message.
            var console = new List<string>();
            page.Console += (_, message) => { lock (console) console.Add($"{message.Type}: {message.Text}"); };
            page.PageError += (_, error) => { lock (console) console.Add($"page error: {error}"); };
            page.RequestFailed += (_, request) => { lock (console) console.Add($"request failed: {request.Method} {request.Url} {request.Failure}"); };

            // Upload through the page: the bar follows the events stream to the end, then the video page shows the captions.
            await page.GotoAsync("/ui/videos");
            await page.ClickAsync("#upload-button");
            await page.SetInputFilesAsync("#file", world.Path);
            await page.ClickAsync("#start-upload");
            await page.Locator("#open-video").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Visible, Timeout = (float)Analysis.TotalMilliseconds });
            Assert.Equal("completed", await page.TextContentAsync("#analysis-state"));
            Assert.Equal("100", await page.EvalOnSelectorAsync<string>("#upload-progress", "p => String(p.value)"));
            Assert.Equal("3", await page.EvalOnSelectorAsync<string>("#analysis-progress", "p => String(p.value)"));
            var videoId = Guid.Parse((await page.GetAttributeAsync("#open-video", "data-video-id"))!);
            await page.ClickAsync("#open-video");
            await page.WaitForArrivalAsync(new Regex($"/ui/videos/{videoId}$"));
            var captions = await page.Locator(".clip .caption").AllTextContentsAsync();
            Assert.Equal(world.Scenes.Select(s => s.Caption), captions.Select(c => c.Trim()));
            Assert.Equal(3, await page.Locator(".clip img").CountAsync());

            // Clicking a clip of the timeline seeks the player to the clip's start.
            var (start, _) = world.TimeRange(2);
            await page.ClickAsync("#clip-2 .clip-seek");
            await page.WaitForFunctionAsync($"() => Math.abs(document.getElementById('player').currentTime - {start.ToString(CultureInfo.InvariantCulture)}) < 0.5");
            Assert.Equal("true", await page.GetAttributeAsync("#clip-2", "aria-current"));

            // Asking a question shows each clip's answer, the right one for each scene.
            var question = WorldVocabulary.Questions[0];
            await page.FillAsync("#question", question);
            await page.ClickAsync("#ask-button");
            await page.WaitForFunctionAsync("() => !document.getElementById('ask-button').disabled", null, new PageWaitForFunctionOptions { Timeout = 180_000 });
            var asked = await page.TextContentAsync("#ask-status") ?? "";
            Assert.False(asked.StartsWith("Refused", StringComparison.Ordinal) || asked.Length == 0, $"asking: '{asked}'; console: {string.Join(" | ", console)}");
            var answers = await page.Locator("#ask-answers .answer-text").AllTextContentsAsync();
            Assert.Equal(world.Scenes.Select(s => WorldVideo.Answers(s)[question]), answers.Select(a => a.Trim()));

            // Search with filters, then open the hit of this video's third clip: the video page opens at that clip.
            await page.GotoAsync("/ui/search");
            await page.FillAsync("#q", world.Scenes[2].Caption);
            await page.SelectOptionAsync("#mode", "text");
            await page.FillAsync("#uploaded_after", DateTime.UtcNow.AddDays(-1).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
            await page.ClickAsync("#search-button");
            await page.WaitForArrivalAsync(new Regex("/ui/search\\?"));
            Assert.Contains("mode=text", page.Url, StringComparison.Ordinal);
            var hit = page.Locator($"a[href='/ui/videos/{videoId}#clip-2']");
            Assert.Equal(world.Scenes[2].Caption, (await hit.Locator(".caption").TextContentAsync())?.Trim());
            await hit.ClickAsync();
            await page.WaitForArrivalAsync(new Regex($"/ui/videos/{videoId}#clip-2$"));
            await page.WaitForFunctionAsync("() => document.getElementById('clip-2').getAttribute('aria-current') === 'true'");

            // The flag of the first clip is confirmed in the review queue; the API then says so.
            var flagId = await OpenFlagAsync(admin, videoId, 0);
            await page.GotoAsync("/ui/flags");
            await page.ClickAsync($"#flag-{flagId} button:has-text('Confirm')");
            // The page reloads once the API took the review: the flag leaves the open queue.
            await page.Locator($"#flag-{flagId}").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Detached });
            using (var flag = JsonDocument.Parse(await admin.GetStringAsync($"/api/flags/{flagId}")))
            {
                Assert.Equal("confirmed", flag.RootElement.GetProperty("status").GetString());
            }
            await page.GotoAsync("/ui/flags?status=confirmed");
            Assert.Equal("confirmed", (await page.TextContentAsync($"#flag-{flagId} .flag-status"))?.Trim());

            // An admin starts a campaign from the models page: a bad window is refused by name, then the campaign starts
            // with what the form said.
            var adminKey = admin.DefaultRequestHeaders.Authorization!.Parameter!;
            var operator_ = await browser.SignedInPageAsync(platform, adminKey);
            await operator_.GotoAsync("/ui/models");
            var version = await operator_.InputValueAsync("#campaign-version");
            var after = DateTime.UtcNow.AddDays(-1).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
            await operator_.FillAsync("#campaign-rate", "120");
            await operator_.FillAsync("#campaign-after", after);
            await operator_.FillAsync("#campaign-window", "25:00-26:00");
            await operator_.ClickAsync("#campaign-start");
            await operator_.WaitForFunctionAsync("() => document.getElementById('action-status').textContent.startsWith('Refused')");
            Assert.Contains("window", await operator_.TextContentAsync("#action-status") ?? "", StringComparison.OrdinalIgnoreCase);
            await operator_.FillAsync("#campaign-window", "");
            await operator_.ClickAsync("#campaign-start");
            await operator_.Locator("table.campaigns tr[data-campaign-id]").First.WaitForAsync();
            using (var campaigns = JsonDocument.Parse(await admin.GetStringAsync("/api/campaigns")))
            {
                var started = Assert.Single(campaigns.RootElement.GetProperty("items").EnumerateArray());
                Assert.Equal((version, 120), (started.GetProperty("model_version").GetString(), started.GetProperty("clips_per_minute").GetInt32()));
                Assert.Equal(DateTimeOffset.Parse(after + "T00:00:00Z", CultureInfo.InvariantCulture), started.GetProperty("scope").GetProperty("uploaded_after").GetDateTimeOffset());
                Assert.Equal(JsonValueKind.Null, started.GetProperty("window").ValueKind);
                Assert.Equal(started.GetProperty("id").GetGuid().ToString(), await operator_.GetAttributeAsync("table.campaigns tr[data-campaign-id]", "data-campaign-id"));
            }

            // Every page renders for an admin (the screenshot command's pages), into VCP_UI_SCREENSHOTS_OUT when set.
            var folder = Environment.GetEnvironmentVariable("VCP_UI_SCREENSHOTS_OUT") is { Length: > 0 } wanted ? wanted : Path.Combine(platform.Folder, "screenshots");
            var written = await PageScreenshots.TakeAsync(platform.BaseUrl(), adminKey, folder, TextWriter.Null);
            Assert.Equal(["sign-in.png", "videos.png", "upload.png", "video.png", "search.png", "flags.png", "models.png"], written.Select(Path.GetFileName));
            Assert.All(written, file => Assert.True(new FileInfo(file).Length > 1000, $"{file} is empty"));
        });
    }

    [Fact(Timeout = 600_000)]
    public async Task AViewerKeySeesNoUploadButtonNorUploadFormAndAWrongKeyIsRefusedAtSignIn()
    {
        await using var platform = new RunningPlatform(stack, "web-viewer");
        platform.StartSilo("silo");
        platform.StartGateway();
        await platform.CheckAsync(async () =>
        {
            await platform.WaitUntilReadyAsync();
            var viewerKey = await stack.CreateKeyAsync("viewer");
            var editorKey = await stack.CreateKeyAsync("editor");
            var (playwright, browser) = await SystemChromium.LaunchAsync();
            using var _ = playwright;
            await using var __ = browser;

            // The same pages for an editor have the button: the viewer's lack of it is the role, not a broken page.
            var editor = await browser.SignedInPageAsync(platform, editorKey);
            await editor.GotoAsync("/ui/videos");
            Assert.Equal(1, await editor.Locator("#upload-button").CountAsync());
            Assert.Equal(1, await editor.Locator("nav a[href='/ui/upload']").CountAsync());

            var viewer = await browser.SignedInPageAsync(platform, viewerKey);
            await viewer.GotoAsync("/ui/videos");
            Assert.Equal("viewer", await viewer.GetAttributeAsync(".role", "data-role"));
            Assert.Equal(0, await viewer.Locator("#upload-button").CountAsync());
            Assert.Equal(0, await viewer.Locator("nav a[href='/ui/upload']").CountAsync());
            await viewer.GotoAsync("/ui/upload");
            Assert.Equal(0, await viewer.Locator("#upload-form").CountAsync());
            Assert.Contains("cannot upload", await viewer.TextContentAsync("main") ?? "", StringComparison.Ordinal);
            // Nor does the API take an upload with the viewer's cookie.
            var refused = await viewer.Context.APIRequest.PostAsync("/api/videos?name=x.mp4", new APIRequestContextOptions { Data = "not a video" });
            Assert.Equal((int)HttpStatusCode.Forbidden, refused.Status);

            // A wrong key is refused at the sign-in page, and no page opens without a key.
            var stranger = await browser.NewPageAsync(new BrowserNewPageOptions { BaseURL = platform.BaseUrl().ToString() });
            await stranger.GotoAsync("/ui/flags");
            Assert.Contains("/ui/sign-in?return_url=", stranger.Url, StringComparison.Ordinal);
            await stranger.FillAsync("#key", "vcp_not-a-key");
            await stranger.ClickAsync("button[type=submit]");
            await stranger.WaitForArrivalAsync(new Regex("/ui/sign-in\\?error=refused"));
            Assert.Contains("refused", await stranger.TextContentAsync("[role=alert]") ?? "", StringComparison.Ordinal);
        });
    }

    /// <summary>The open flag of a clip, once the watchlist's matcher has written it.</summary>
    private static async Task<Guid> OpenFlagAsync(HttpClient http, Guid videoId, int clipIndex)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(1);
        while (true)
        {
            using var flags = JsonDocument.Parse(await http.GetStringAsync($"/api/flags?video_id={videoId}&status=open"));
            foreach (var flag in flags.RootElement.GetProperty("items").EnumerateArray())
            {
                if (flag.GetProperty("clip_index").GetInt32() == clipIndex) return flag.GetProperty("id").GetGuid();
            }
            Assert.True(DateTime.UtcNow < deadline, $"no open flag for clip {clipIndex} of video {videoId}: {flags.RootElement}");
            await Task.Delay(500);
        }
    }
}
