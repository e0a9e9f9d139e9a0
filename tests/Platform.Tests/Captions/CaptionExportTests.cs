using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using VideoCoca.Contracts.Api;
using VideoCoca.Platform.Tests.EndToEnd;
using VideoCoca.Platform.Tests.Infrastructure;

namespace VideoCoca.Platform.Tests.Captions;

/// <summary>GET /api/videos/{id}/captions.vtt and .srt on the running platform, checked against /clips and the world's truth.</summary>
[Collection(StackCollection.Name)]
public sealed class CaptionExportTests(StackFixture stack)
{
    private const int Scenes = 3;

    [Fact(Timeout = 300_000)]
    public async Task AVideosCaptionsComeAsWebVttAndSubRipWithItsClipsTimesAndCaptionsOnceItIsAnalysed()
    {
        await using var platform = new RunningPlatform(stack, "captions");
        platform.StartSilo("silo");
        platform.StartGateway();
        await platform.CheckAsync(async () =>
        {
            var video = await WorldVideo.RenderAsync(Path.Combine(platform.Folder, "subtitled.mp4"), seed: 7, scenes: Scenes);
            await platform.WaitUntilReadyAsync();

            // No worker yet: the video cannot be analysed, so its captions are not there to export.
            var videoId = await platform.UploadAsync(video.Path);
            foreach (var format in new[] { "vtt", "srt" })
            {
                var (status, problem) = await ProblemAsync(platform.Http, $"/api/videos/{videoId}/captions.{format}");
                Assert.Equal((HttpStatusCode.Conflict, "Not analysed yet"), (status, problem));
            }
            Assert.Equal(HttpStatusCode.NotFound, (await ProblemAsync(platform.Http, $"/api/videos/{Guid.NewGuid()}/captions.vtt")).Status);
            Assert.Equal(HttpStatusCode.BadRequest, (await ProblemAsync(platform.Http, "/api/videos/not-a-video/captions.srt")).Status);

            platform.StartWorker("worker");
            await platform.WaitUntilReadyAsync();
            var finished = (await platform.WaitForFinishedAsync([videoId], TimeSpan.FromMinutes(2)))[videoId];
            Assert.Equal(VideoState.Completed, finished.State);
            var clips = await platform.GetClipsAsync(videoId);
            Assert.Equal(Scenes, clips.Count);

            using var vttResponse = await platform.Http.GetAsync($"/api/videos/{videoId}/captions.vtt");
            Assert.Equal(HttpStatusCode.OK, vttResponse.StatusCode);
            Assert.Equal("text/vtt", vttResponse.Content.Headers.ContentType?.MediaType);
            var vtt = await vttResponse.Content.ReadAsStringAsync();
            Assert.StartsWith("WEBVTT\n\n", vtt, StringComparison.Ordinal);
            using var srtResponse = await platform.Http.GetAsync($"/api/videos/{videoId}/captions.srt");
            Assert.Equal(HttpStatusCode.OK, srtResponse.StatusCode);
            Assert.Equal("application/x-subrip", srtResponse.Content.Headers.ContentType?.MediaType);
            var srt = await srtResponse.Content.ReadAsStringAsync();

            // What /clips says, cue by cue; and the captions are the scenes' (the shipped model reads every scene right).
            var expected = clips.Select(c => (Stamp(c.StartSeconds), Stamp(c.EndSeconds), c.Caption)).ToList();
            Assert.Equal(expected, Cues(vtt, '.'));
            Assert.Equal(expected, Cues(srt, ','));
            Assert.Equal(video.Scenes.Select(s => s.Caption), Cues(srt, ',').Select(c => c.Text));
            Assert.Equal(("00:00:04.000", "00:00:08.000"), (Cues(vtt, '.')[1].Start, Cues(vtt, '.')[1].End));
            Assert.Equal([1, 2, 3], Regex.Matches(srt, @"^(\d+)\n\d\d:", RegexOptions.Multiline).Select(m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)));
        });
    }

    /// <summary>A time as the tests write it (separator '.'), from seconds: the platform's clip bounds are exact to the millisecond here.</summary>
    private static string Stamp(double seconds) =>
        TimeSpan.FromMilliseconds(Math.Round(seconds * 1000)).ToString(@"hh\:mm\:ss\.fff", CultureInfo.InvariantCulture);

    /// <summary>The cues of a WebVTT or SubRip file: start, end (normalised to '.') and text.</summary>
    private static List<(string Start, string End, string Text)> Cues(string subtitles, char separator)
    {
        var pattern = $@"^(\d\d:\d\d:\d\d){Regex.Escape(separator.ToString())}(\d\d\d) --> (\d\d:\d\d:\d\d){Regex.Escape(separator.ToString())}(\d\d\d)\n(.+)$";
        return Regex.Matches(subtitles, pattern, RegexOptions.Multiline)
            .Select(m => ($"{m.Groups[1].Value}.{m.Groups[2].Value}", $"{m.Groups[3].Value}.{m.Groups[4].Value}", m.Groups[5].Value))
            .ToList();
    }

    private static async Task<(HttpStatusCode Status, string? Title)> ProblemAsync(HttpClient http, string path)
    {
        using var response = await http.GetAsync(path);
        var body = await response.Content.ReadAsStringAsync();
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var json = JsonDocument.Parse(body);
        return (response.StatusCode, json.RootElement.TryGetProperty("title", out var title) ? title.GetString() : null);
    }
}
