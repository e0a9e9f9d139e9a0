using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Playwright;

namespace VideoCoca.UiScreenshots;

/// <summary>
/// One PNG per page of the web interface (1280x800, the visible part), from a running platform: sign-in, videos,
/// upload, a video (the newest finished one, else the newest), search (for that video's first caption), flags, models.
/// </summary>
public static class PageScreenshots
{
    public static async Task<IReadOnlyList<string>> TakeAsync(Uri baseUrl, string key, string folder, TextWriter log)
    {
        Directory.CreateDirectory(folder);
        var (video, caption) = await PickVideoAsync(baseUrl, key);
        var (playwright, browser) = await SystemChromium.LaunchAsync();
        using (playwright)
        await using (browser)
        {
            var written = new List<string>();
            var anonymous = await browser.NewContextAsync(new BrowserNewContextOptions
            {
                BaseURL = baseUrl.ToString(),
                ViewportSize = new ViewportSize { Width = 1280, Height = 800 },
            });
            written.Add(await ShootAsync(anonymous, "/ui/sign-in", Path.Combine(folder, "sign-in.png"), log));
            await anonymous.CloseAsync();

            var context = await SystemChromium.SignedInContextAsync(browser, baseUrl, key);
            var pages = new List<(string Path, string File)>
            {
                ("/ui/videos", "videos.png"),
                ("/ui/upload", "upload.png"),
            };
            if (video is not null) pages.Add(($"/ui/videos/{video}", "video.png"));
            pages.Add(($"/ui/search?q={Uri.EscapeDataString(caption ?? "a red square moves left")}&mode=text", "search.png"));
            pages.Add(("/ui/flags", "flags.png"));
            pages.Add(("/ui/models", "models.png"));
            foreach (var (path, file) in pages)
            {
                written.Add(await ShootAsync(context, path, Path.Combine(folder, file), log));
            }
            await context.CloseAsync();
            return written;
        }
    }

    private static async Task<string> ShootAsync(IBrowserContext context, string path, string file, TextWriter log)
    {
        var page = await context.NewPageAsync();
        var response = await page.GotoAsync(path, new PageGotoOptions { WaitUntil = WaitUntilState.NetworkIdle });
        if (response is null || !response.Ok)
        {
            throw new InvalidOperationException($"{path} answered {response?.Status.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "nothing"}");
        }
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = file, Type = ScreenshotType.Png });
        await page.CloseAsync();
        log.WriteLine($"{path} -> {file}");
        return file;
    }

    /// <summary>The newest finished video (else the newest) and its first caption, through the API.</summary>
    private static async Task<(string? Video, string? Caption)> PickVideoAsync(Uri baseUrl, string key)
    {
        using var http = new HttpClient { BaseAddress = baseUrl };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        using var videos = JsonDocument.Parse(await http.GetStringAsync("/api/videos?page_size=50"));
        var items = videos.RootElement.GetProperty("items").EnumerateArray().ToList();
        var chosen = items.FirstOrDefault(v => v.GetProperty("state").GetString() == "completed");
        if (chosen.ValueKind == JsonValueKind.Undefined) chosen = items.FirstOrDefault();
        if (chosen.ValueKind == JsonValueKind.Undefined) return (null, null);
        var id = chosen.GetProperty("video_id").GetString();
        using var clips = await http.GetAsync($"/api/videos/{id}/clips");
        if (!clips.IsSuccessStatusCode) return (id, null);
        using var list = JsonDocument.Parse(await clips.Content.ReadAsStringAsync());
        var caption = list.RootElement.EnumerateArray().Select(c => c.GetProperty("caption").GetString()).FirstOrDefault(c => !string.IsNullOrEmpty(c));
        return (id, caption);
    }
}
