using System.Net;
using Npgsql;
using VideoCoca.Contracts.Api;
using VideoCoca.Ingest;
using VideoCoca.Platform.Tests.Campaigns;
using VideoCoca.Platform.Tests.EndToEnd;
using VideoCoca.Platform.Tests.Infrastructure;

namespace VideoCoca.Platform.Tests.Retention;

/// <summary>
/// What the platform keeps after analysis (Retention:*), checked on disk and in the database as an operator would, and what
/// a user still gets: with frames kept for no time at all a video's frame files go once it is analysed, its thumbnails stay, and a
/// campaign under a second model (another input) analyses it again from the original; with frames kept and originals
/// deleted, the frames stay and such a campaign fails the video's clips saying that the original is gone.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class RetentionTests(PrivateStackFixture own) : IClassFixture<PrivateStackFixture>
{
    private const int Scenes = 2;

    [Fact(Timeout = 600_000)]
    public async Task WithNoFramesKeptFramesGoAfterAnalysisAndACampaignCutsThemAgainFromTheOriginal()
    {
        await using var platform = new RunningPlatform(own.Stack, "retention-default");
        var campaigns = new CampaignDriver(platform, own.Stack);
        platform.StartSilo("silo", settings: new Dictionary<string, string>(CampaignDriver.FastCampaigns)
        {
            // Frames go once the video finished (the default keeps them a week), originals stay (the default).
            ["Retention__Frames"] = "00:00:00",
            ["Retention__SweepPeriod"] = "00:00:01",
        });
        platform.StartWorker("worker-a");
        platform.StartGateway();
        await platform.CheckAsync(async () =>
        {
            var rendered = await WorldVideo.RenderAsync(Path.Combine(platform.Folder, "videos", "retained.mp4"), seed: 901, scenes: Scenes);
            await platform.WaitUntilReadyAsync();
            var id = await platform.UploadAsync(rendered.Path);
            RunningPlatform.AssertAllCompleted(await platform.WaitForFinishedAsync([id], TimeSpan.FromMinutes(3)), new Dictionary<Guid, int> { [id] = Scenes });
            var first = (await platform.ModelVersionNamesAsync())[0];

            // Marked first, removed after (RetentionSweeper): wait for both.
            var clips = await WaitForClipsAsync(id, rows => rows.All(r => r.FramesDeletedAt is not null && !File.Exists(Resolve(platform, r.FramesPath!))),
                "every clip's frames marked deleted and their files gone");
            Assert.Equal(Scenes, clips.Count);
            Assert.All(clips, c => Assert.True(File.Exists(Resolve(platform, c.ThumbnailPath!)), $"clip {c.Index}: thumbnail {c.ThumbnailPath} is gone"));
            await AssertThumbnailsServedAsync(platform, id);
            var original = await OriginalAsync(id);
            Assert.Null(original.DeletedAt);
            Assert.True(File.Exists(Resolve(platform, original.BlobPath)), "the original upload is gone although originals are kept");
            // The gateway kept the upload's packet table beside it for the split (an H.264 MP4).
            Assert.True(File.Exists(PacketTable.SidecarPath(Resolve(platform, original.BlobPath))), "no packet table beside the original");

            // A second model with another input: its frames are cut again from the original, and every clip is analysed.
            platform.StartWorker("worker-b", new Dictionary<string, string> { ["Worker__ModelPath"] = CampaignDriver.SecondModelPath });
            var second = await campaigns.WaitForVersionAsync(first, TimeSpan.FromMinutes(2));
            var campaign = await campaigns.StartAsync(new { model_version = second, clips_per_minute = 100_000, scope = new { video_ids = new[] { id } } });
            var done = await campaigns.WaitForAsync(campaign.Id, c => c.State == CampaignStates.Completed, "completed", TimeSpan.FromMinutes(4));
            Assert.Equal((Scenes, Scenes, 0), (done.Total, done.Done, done.Failed));
            Assert.Equal(Scenes, (await campaigns.ResultsUnderAsync([id], second)).Count);
            var clipsUnderSecond = await platform.GetClipsAsync(id, second);
            Assert.All(clipsUnderSecond, c => Assert.Equal(ClipStates.Analysed, c.State));
            // The frames cut for the campaign went with it (frames are not kept): the video keeps its original and thumbnails only.
            var left = Directory.EnumerateFiles(Path.Combine(platform.BlobRoot, "videos", id.ToString("D")), "*.rgb", SearchOption.AllDirectories).ToList();
            Assert.True(left.Count == 0, $"frame files left after the campaign: {string.Join(", ", left)}");
        });
    }

    [Fact(Timeout = 600_000)]
    public async Task WithFramesKeptAndOriginalsDeletedFramesStayAndACampaignFailsItsClipsSayingTheOriginalIsGone()
    {
        await using var platform = new RunningPlatform(own.Stack, "retention-originals");
        var campaigns = new CampaignDriver(platform, own.Stack);
        platform.StartSilo("silo", settings: new Dictionary<string, string>(CampaignDriver.FastCampaigns)
        {
            ["Retention__Frames"] = "",
            ["Retention__Originals"] = "00:00:00",
            ["Retention__SweepPeriod"] = "00:00:01",
        });
        platform.StartWorker("worker-a");
        platform.StartGateway();
        await platform.CheckAsync(async () =>
        {
            var rendered = await WorldVideo.RenderAsync(Path.Combine(platform.Folder, "videos", "no-original.mp4"), seed: 902, scenes: Scenes);
            await platform.WaitUntilReadyAsync();
            var id = await platform.UploadAsync(rendered.Path);
            RunningPlatform.AssertAllCompleted(await platform.WaitForFinishedAsync([id], TimeSpan.FromMinutes(3)), new Dictionary<Guid, int> { [id] = Scenes });
            var first = (await platform.ModelVersionNamesAsync())[0];

            // The sweeper marks the row first and removes the file after (RetentionSweeper), so the file may outlive the mark
            // by a moment: wait for both, and say which one never came.
            var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(1);
            var original = await OriginalAsync(id);
            while (original.DeletedAt is null || File.Exists(Resolve(platform, original.BlobPath)) || File.Exists(PacketTable.SidecarPath(Resolve(platform, original.BlobPath))))
            {
                Assert.True(DateTime.UtcNow < deadline, original.DeletedAt is null
                    ? "the original upload was not deleted within a minute of the video finishing"
                    : $"original_deleted_at is set but {original.BlobPath} or its packet table was still there a minute after the video finished");
                await Task.Delay(250);
                original = await OriginalAsync(id);
            }
            // The sweep that took the original left the frames alone (Retention:Frames empty keeps them).
            var clips = await ClipsAsync(id);
            Assert.All(clips, c => Assert.Null(c.FramesDeletedAt));
            Assert.All(clips, c => Assert.True(File.Exists(Resolve(platform, c.FramesPath!)), $"clip {c.Index}: {c.FramesPath} is gone"));
            await AssertThumbnailsServedAsync(platform, id);
            Assert.Equal(VideoState.Completed, (await platform.GetStatusAsync(id)).State);

            // A model of another input would need the frames cut again, from an original that is gone: the clips fail, saying so.
            platform.StartWorker("worker-b", new Dictionary<string, string> { ["Worker__ModelPath"] = CampaignDriver.SecondModelPath });
            var second = await campaigns.WaitForVersionAsync(first, TimeSpan.FromMinutes(2));
            var campaign = await campaigns.StartAsync(new { model_version = second, clips_per_minute = 100_000, scope = new { video_ids = new[] { id } } });
            var done = await campaigns.WaitForAsync(campaign.Id, c => c.State == CampaignStates.Completed, "completed", TimeSpan.FromMinutes(2));
            Assert.Equal((Scenes, 0, Scenes), (done.Total, done.Done, done.Failed));
            var errors = await LedgerErrorsAsync(campaign.Id);
            Assert.Equal(Scenes, errors.Count);
            Assert.All(errors, e => Assert.Contains("the original upload was deleted", e ?? ""));
            Assert.All(errors, e => Assert.Contains("Retention:Originals", e ?? ""));
            Assert.Empty(await campaigns.ResultsUnderAsync([id], second));
        });
    }

    private sealed record ClipFiles(int Index, string? FramesPath, DateTimeOffset? FramesDeletedAt, string? ThumbnailPath);

    private static string Resolve(RunningPlatform platform, string blobPath) => Path.IsPathRooted(blobPath) ? blobPath : Path.Combine(platform.BlobRoot, blobPath);

    private async Task<List<ClipFiles>> WaitForClipsAsync(Guid videoId, Func<List<ClipFiles>, bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(1);
        while (true)
        {
            var clips = await ClipsAsync(videoId);
            if (clips.Count > 0 && condition(clips)) return clips;
            Assert.True(DateTime.UtcNow < deadline,
                $"waited a minute for {what}: {string.Join("; ", clips.Select(c => $"clip {c.Index} frames_deleted_at {c.FramesDeletedAt?.ToString("O") ?? "null"}"))}");
            await Task.Delay(250);
        }
    }

    private async Task<List<ClipFiles>> ClipsAsync(Guid videoId)
    {
        await using var connection = new NpgsqlConnection(own.Stack.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT index, frames_path, frames_deleted_at, thumbnail_path FROM clips WHERE video_id = @p ORDER BY index", connection);
        command.Parameters.AddWithValue("p", videoId);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<ClipFiles>();
        while (await reader.ReadAsync())
        {
            rows.Add(new ClipFiles(reader.GetInt32(0), reader.IsDBNull(1) ? null : reader.GetString(1),
                reader.IsDBNull(2) ? null : reader.GetFieldValue<DateTimeOffset>(2), reader.IsDBNull(3) ? null : reader.GetString(3)));
        }
        return rows;
    }

    private async Task<(string BlobPath, DateTimeOffset? DeletedAt)> OriginalAsync(Guid videoId)
    {
        await using var connection = new NpgsqlConnection(own.Stack.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT blob_path, original_deleted_at FROM videos WHERE id = @p", connection);
        command.Parameters.AddWithValue("p", videoId);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync(), $"no videos row for {videoId}");
        return (reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetFieldValue<DateTimeOffset>(1));
    }

    private async Task<List<string?>> LedgerErrorsAsync(Guid campaignId)
    {
        await using var connection = new NpgsqlConnection(own.Stack.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT error FROM campaign_clips WHERE campaign_id = @p", connection);
        command.Parameters.AddWithValue("p", campaignId);
        await using var reader = await command.ExecuteReaderAsync();
        var errors = new List<string?>();
        while (await reader.ReadAsync()) errors.Add(reader.IsDBNull(0) ? null : reader.GetString(0));
        return errors;
    }

    /// <summary>Every clip's thumbnail as the UI fetches it: a JPEG, whatever retention took.</summary>
    private static async Task AssertThumbnailsServedAsync(RunningPlatform platform, Guid videoId)
    {
        for (var index = 0; index < Scenes; index++)
        {
            using var response = await platform.Http.GetAsync($"/api/videos/{videoId}/clips/{index}/thumbnail");
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"thumbnail of clip {index} answered {(int)response.StatusCode}");
            Assert.Equal("image/jpeg", response.Content.Headers.ContentType?.MediaType);
            Assert.True((await response.Content.ReadAsByteArrayAsync()).Length > 0);
        }
    }
}
