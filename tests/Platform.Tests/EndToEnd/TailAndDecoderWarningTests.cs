using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using VideoCoca.Contracts.Api;
using VideoCoca.Platform.Tests.Infrastructure;
using VideoCoca.Platform.Tests.Ingest;

namespace VideoCoca.Platform.Tests.EndToEnd;

/// <summary>
/// Videos as cameras make them, uploaded over HTTP to the whole platform: a length that is not a multiple of the clip
/// length is covered to its end, a video with an undecodable frame is analysed and carries its warnings, and a video
/// most (or all) of whose frames do not decode is still refused with a clear 422.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class TailAndDecoderWarningTests(StackFixture stack)
{
    [Fact(Timeout = 300_000)]
    public async Task EverySecondLiesInAClipAVideoWithABadFrameIsAnalysedWithItsWarningsAndAMostlyBadOneIsRefused()
    {
        await using var platform = new RunningPlatform(stack, "tail-warnings");
        platform.StartSilo("silo");
        platform.StartWorker("worker");
        platform.StartGateway();
        await platform.CheckAsync(async () =>
        {
            var folder = Path.Combine(platform.Folder, "videos");
            // 279 frames at 30 fps: 9.3 s, two whole 4 s clips and 1.3 s more.
            var tail = await DamagedVideos.EncodeAsync(Path.Combine(folder, "nine-point-three.mp4"), frames: 279, frameRate: 30);
            var clean = await DamagedVideos.EncodeAsync(Path.Combine(folder, "clean.mp4"), frames: 100);
            var oneBad = await DamagedVideos.DamageSliceHeadersAsync(clean, Path.Combine(folder, "one-bad-frame.mp4"), (i, _) => i == 5);
            var mostlyBad = await DamagedVideos.DamageSliceHeadersAsync(clean, Path.Combine(folder, "mostly-bad.mp4"), (_, key) => !key);
            var allBad = await DamagedVideos.DamageSliceHeadersAsync(clean, Path.Combine(folder, "all-bad.mp4"), (_, _) => true);
            var decode = await DamagedVideos.DecodeAsync(oneBad);
            Assert.True((decode.Frames, decode.Packets) == (99, 100) && decode.Errors.Length > 0,
                $"the fixture should decode 99 of 100 frames with errors; ffprobe says {decode}");
            Assert.Equal(0, (await DamagedVideos.DecodeAsync(allBad)).Frames);
            await platform.WaitUntilReadyAsync();

            // Refused at the door, nothing stored.
            var (status, detail) = await UploadRefusedAsync(platform, mostlyBad);
            Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
            Assert.Contains("90 of 100 frames could not be decoded", detail);
            (status, detail) = await UploadRefusedAsync(platform, allBad);
            Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
            Assert.Contains("no video frame could be decoded", detail);
            Assert.False(Directory.Exists(Path.Combine(platform.BlobRoot, "videos")) && Directory.EnumerateDirectories(Path.Combine(platform.BlobRoot, "videos")).Any(),
                "a refused upload left files behind");

            var tailId = await platform.UploadAsync(tail);
            var oneBadId = await platform.UploadAsync(oneBad);
            var statuses = await platform.WaitForFinishedAsync([tailId, oneBadId], TimeSpan.FromMinutes(3));

            var tailStatus = statuses[tailId];
            Assert.Equal((VideoState.Completed, 3, 3, 0), (tailStatus.State, tailStatus.Progress.Total, tailStatus.Progress.Done, tailStatus.Progress.Failed));
            Assert.Equal(9.3, tailStatus.DurationSeconds!.Value, 3);
            Assert.Empty(tailStatus.Warnings);
            var clips = await platform.GetClipsAsync(tailId);
            Assert.Equal([(0.0, 4.0), (4.0, 8.0), (8.0, 9.3)], clips.Select(c => (Math.Round(c.StartSeconds, 6), Math.Round(c.EndSeconds, 6))));
            Assert.All(clips, c => Assert.False(string.IsNullOrWhiteSpace(c.Caption), $"clip {c.Index} has no caption"));

            var oneBadStatus = statuses[oneBadId];
            Assert.Equal((VideoState.Completed, 1, 1, (string?)null), (oneBadStatus.State, oneBadStatus.Progress.Total, oneBadStatus.Progress.Done, oneBadStatus.Error));
            Assert.Equal("ffmpeg: 1 of 100 frames could not be decoded", oneBadStatus.Warnings[0]);
            Assert.Contains(oneBadStatus.Warnings, w => w.Contains("h264", StringComparison.Ordinal));
            // As a user reads it: the JSON says warnings.
            using var json = JsonDocument.Parse(await platform.Http.GetStringAsync($"/api/videos/{oneBadId}"));
            Assert.Equal(oneBadStatus.Warnings, json.RootElement.GetProperty("warnings").EnumerateArray().Select(w => w.GetString()));
            Assert.Single(await platform.GetClipsAsync(oneBadId));
        });
    }

    private static async Task<(HttpStatusCode Status, string Detail)> UploadRefusedAsync(RunningPlatform platform, string path)
    {
        await using var file = File.OpenRead(path);
        using var content = new StreamContent(file);
        content.Headers.ContentType = new MediaTypeHeaderValue("video/mp4");
        using var response = await platform.Http.PostAsync($"/api/videos?name={Path.GetFileName(path)}", content);
        var body = await response.Content.ReadAsStringAsync();
        using var json = JsonDocument.Parse(body);
        return (response.StatusCode, json.RootElement.TryGetProperty("detail", out var detail) ? detail.GetString() ?? "" : body);
    }
}
