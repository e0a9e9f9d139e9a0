using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using VideoCoca.Contracts.Api;
using VideoCoca.Gateway.Cluster;
using VideoCoca.Gateway.Hosting;
using VideoCoca.Gateway.Uploads;
using VideoCoca.GrainInterfaces;
using VideoCoca.Persistence;
using VideoCoca.Persistence.Hosting;
using VideoCoca.Platform.Tests.Infrastructure;

namespace VideoCoca.Platform.Tests.Gateway;

/// <summary>
/// The real gateway (Kestrel on a free loopback port) on the stack's database, with no silo: every bad upload is
/// refused with its status and message and leaves nothing behind; a good one is stored, recorded and handed to
/// the video grain (a recording stand-in here; the real grain is the silo's).
/// </summary>
[Collection(StackCollection.Name)]
public sealed class GatewayTests(StackFixture stack) : IAsyncLifetime
{
    private const long MaxUploadBytes = 300_000;
    private readonly string _folder = Directory.CreateTempSubdirectory("vcp-gateway-tests-").FullName;
    private readonly FakeVideoGrains _grains = new();
    private WebApplication? _app;
    private HttpClient _http = null!;

    private string BlobRoot => Path.Combine(_folder, "blobs");

    public async Task InitializeAsync()
    {
        _app = GatewayApp.Build([
            "--urls=http://127.0.0.1:0",
            $"--Postgres:ConnectionString={stack.ConnectionString}",
            $"--RabbitMq:Url={stack.RabbitMqUrl}",
            $"--Gateway:BlobRoot={BlobRoot}",
            $"--Gateway:MaxUploadBytes={MaxUploadBytes}",
            "--Gateway:MaxDurationSeconds=5",
            $"--Orleans:ClusterId=gateway-tests-{Guid.NewGuid():N}",
            "--Orleans:ReconnectDelay=00:00:01",
            "--Logging:LogLevel:Default=Warning",
        ], builder => builder.Services.Replace(ServiceDescriptor.Singleton<IVideoGrains>(_grains)));
        await _app.StartAsync();
        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        _http = new HttpClient { BaseAddress = new Uri(address), Timeout = TimeSpan.FromMinutes(2) };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", (await Access.TestKeys.CreateAsync(stack.ConnectionString, "default", "admin")).Key);
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
        Directory.Delete(_folder, recursive: true);
    }

    [Fact(Timeout = 300_000)]
    public async Task BadUploadsAreRefusedAndLeaveNothingBehind()
    {
        var valid = await FfmpegAsync("valid.mp4", "-f lavfi -i testsrc=size=160x120:rate=25 -t 2 -c:v libx264 -pix_fmt yuv420p -movflags +faststart");
        var tooLong = await FfmpegAsync("long.mp4", "-f lavfi -i testsrc=size=64x48:rate=10 -t 8 -c:v libx264 -pix_fmt yuv420p");
        var audio = await FfmpegAsync("audio.m4a", "-f lavfi -i sine=frequency=440:duration=2 -c:a aac");
        var whole = await File.ReadAllBytesAsync(valid);
        var truncated = Path.Combine(_folder, "truncated.mp4");
        await File.WriteAllBytesAsync(truncated, whole[..(whole.Length * 6 / 10)]);
        var text = Path.Combine(_folder, "notes.txt");
        await File.WriteAllTextAsync(text, string.Concat(Enumerable.Repeat("this is not a video\n", 200)));

        await AssertRefusedAsync(new ByteArrayContent([]), "empty", HttpStatusCode.BadRequest, "the upload is empty");
        await AssertRefusedAsync(FileContent(text), "notes.txt", HttpStatusCode.UnprocessableEntity, "not a video");
        await AssertRefusedAsync(FileContent(truncated), "truncated.mp4", HttpStatusCode.UnprocessableEntity, "");
        await AssertRefusedAsync(FileContent(audio), "audio.m4a", HttpStatusCode.UnprocessableEntity, "audio only");
        await AssertRefusedAsync(FileContent(tooLong), "long.mp4", HttpStatusCode.RequestEntityTooLarge, "at most 5 s");
        var big = new byte[MaxUploadBytes + 50_000];
        Random.Shared.NextBytes(big);
        await AssertRefusedAsync(new ByteArrayContent(big), "big.mp4", HttpStatusCode.RequestEntityTooLarge, "larger than the limit");
        // Without a Content-Length the limit is enforced while copying.
        await AssertRefusedAsync(new StreamContent(new UnknownLengthStream(big)), "big-chunked.mp4", HttpStatusCode.RequestEntityTooLarge, "larger than the limit");
        await AssertRefusedAsync(FileContent(valid), "bad-option.mp4", HttpStatusCode.BadRequest,
            "clip_length must be a number between 0.5 and 60", "&clip_length=abc");
        await AssertRefusedAsync(FileContent(valid), "bad-frames.mp4", HttpStatusCode.BadRequest, "frames must be a whole number", "&frames=0");
        await AssertRefusedAsync(FileContent(valid), "bad-overlap.mp4", HttpStatusCode.BadRequest, "overlap must be", "&clip_length=2&overlap=2");
        var wrongType = FileContent(valid);
        wrongType.Headers.ContentType = new MediaTypeHeaderValue("text/plain");
        await AssertRefusedAsync(wrongType, "wrong-type.mp4", HttpStatusCode.UnsupportedMediaType, "Content-Type");

        // The cluster is down: 503, and the upload is gone again.
        _grains.Unavailable = true;
        await AssertRefusedAsync(FileContent(valid), "no-cluster.mp4", HttpStatusCode.ServiceUnavailable, "not reachable");
        _grains.Unavailable = false;
    }

    [Fact(Timeout = 300_000)]
    public async Task AGoodUploadIsStoredRecordedAndHandedToItsGrain()
    {
        var valid = await FfmpegAsync("good.mp4", "-f lavfi -i testsrc=size=160x120:rate=25 -t 2 -c:v libx264 -pix_fmt yuv420p");
        var name = $"good-{Guid.NewGuid():N}.mp4";
        using var response = await _http.PostAsync(
            $"/api/videos?name={name}&clip_length=1&frames=4&question=what%20is%20it%3F", FileContent(valid));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        using var accepted = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var videoId = accepted.RootElement.GetProperty("video_id").GetGuid();
        var statusUrl = accepted.RootElement.GetProperty("status_url").GetString();
        Assert.Equal($"/api/videos/{videoId}", statusUrl);
        Assert.Equal(statusUrl, response.Headers.Location?.OriginalString);

        var (id, request) = Assert.Single(_grains.Started);
        Assert.Equal(videoId, id);
        Assert.Equal(name, request.FileName);
        Assert.Equal(1, request.ClipLengthSeconds);
        Assert.Equal(4, request.FramesPerClip);
        Assert.Equal(["what is it?"], request.Questions);
        Assert.Equal(Path.Combine(BlobRoot, "videos", videoId.ToString(), "source.mp4"), request.BlobPath);
        Assert.True(File.Exists(request.BlobPath));
        Assert.Equal(new FileInfo(valid).Length, new FileInfo(request.BlobPath).Length);

        using var status = JsonDocument.Parse(await _http.GetStringAsync(statusUrl));
        Assert.Equal("received", status.RootElement.GetProperty("state").GetString());
        Assert.Equal(name, status.RootElement.GetProperty("file_name").GetString());
        Assert.InRange(status.RootElement.GetProperty("duration_seconds").GetDouble(), 1.9, 2.1);
        Assert.Equal(0, status.RootElement.GetProperty("progress").GetProperty("total").GetInt32());

        using var page = JsonDocument.Parse(await _http.GetStringAsync("/api/videos?page=1&page_size=100"));
        Assert.Contains(page.RootElement.GetProperty("items").EnumerateArray(), v => v.GetProperty("video_id").GetGuid() == videoId);
        Assert.Equal("[]", await _http.GetStringAsync($"/api/videos/{videoId}/clips"));
        using (var badPage = await _http.GetAsync("/api/videos?page_size=1000"))
        {
            Assert.Equal(HttpStatusCode.BadRequest, badPage.StatusCode);
            Assert.Contains("page_size must be", await badPage.Content.ReadAsStringAsync());
        }

        using var deleted = await _http.DeleteAsync(statusUrl);
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.Equal([videoId], _grains.Deleted);
    }

    /// <summary>
    /// Uploads are probed by a helper process kept for many of them; one that dies (as a demuxer crash would end it)
    /// costs no upload: the next is probed by ffprobe, the one after by a new helper.
    /// </summary>
    [Fact(Timeout = 300_000)]
    public async Task AProbeHelperReadsUploadsAndOneThatDiesLosesNone()
    {
        var valid = await FfmpegAsync("helped.mp4", "-f lavfi -i testsrc=size=160x120:rate=25 -t 2 -c:v libx264 -pix_fmt yuv420p");
        var helpers = _app!.Services.GetRequiredService<ProbeHelpers>();
        var answered = helpers.Answered;

        await AssertAcceptedAsync(valid);
        Assert.Equal(answered + 1, helpers.Answered);

        var idle = Assert.Single(helpers.IdleProcessIds);
        using (var helper = Process.GetProcessById(idle))
        {
            helper.Kill();
            await helper.WaitForExitAsync();
        }
        await AssertAcceptedAsync(valid);
        Assert.Equal(answered + 1, helpers.Answered);

        await AssertAcceptedAsync(valid);
        Assert.Equal(answered + 2, helpers.Answered);
        Assert.NotEqual(idle, Assert.Single(helpers.IdleProcessIds));
    }

    private async Task AssertAcceptedAsync(string path)
    {
        using var response = await _http.PostAsync($"/api/videos?name=helped-{Guid.NewGuid():N}.mp4", FileContent(path));
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
    }

    [Fact(Timeout = 120_000)]
    public async Task UnknownAndMalformedIdsHealthAndOpenApiAnswer()
    {
        var unknown = Guid.NewGuid();
        foreach (var path in new[] { $"/api/videos/{unknown}", $"/api/videos/{unknown}/clips" })
        {
            using var response = await _http.GetAsync(path);
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.Contains($"there is no video {unknown}", await response.Content.ReadAsStringAsync());
        }
        using (var response = await _http.DeleteAsync($"/api/videos/{unknown}"))
        {
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        }
        using (var response = await _http.GetAsync("/api/videos/not-a-guid"))
        {
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Contains("is not a video id", await response.Content.ReadAsStringAsync());
        }
        using (var response = await _http.GetAsync($"/api/videos/{unknown}/clips/0/thumbnail"))
        {
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        }

        using (var live = await _http.GetAsync("/health/live"))
        {
            Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        }
        // PostgreSQL and RabbitMQ answer; no silo runs in this cluster, so the gateway is not ready.
        using (var ready = await _http.GetAsync("/health/ready"))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
            using var report = JsonDocument.Parse(await ready.Content.ReadAsStringAsync());
            var checks = report.RootElement.GetProperty("checks");
            Assert.Equal("Healthy", checks.GetProperty("postgres").GetProperty("status").GetString());
            Assert.Equal("Healthy", checks.GetProperty("rabbitmq").GetProperty("status").GetString());
            Assert.Equal("Unhealthy", checks.GetProperty("orleans").GetProperty("status").GetString());
        }

        using var openApi = JsonDocument.Parse(await _http.GetStringAsync("/openapi/v1.json"));
        var paths = openApi.RootElement.GetProperty("paths");
        Assert.True(paths.TryGetProperty("/api/videos", out var videos));
        Assert.True(videos.GetProperty("post").GetProperty("requestBody").GetProperty("content").TryGetProperty("video/*", out _));
        Assert.True(paths.TryGetProperty("/api/videos/{id}", out _));
        Assert.True(paths.TryGetProperty("/api/videos/{id}/clips", out _));
    }

    /// <summary>A client generated from the document can send every option the endpoints read from the query string.</summary>
    [Fact]
    public async Task TheOpenApiDocumentDeclaresEveryQueryParameter()
    {
        using var openApi = JsonDocument.Parse(await _http.GetStringAsync("/openapi/v1.json"));
        var paths = openApi.RootElement.GetProperty("paths");
        string[] Query(string path, string method) =>
            paths.GetProperty(path).GetProperty(method).TryGetProperty("parameters", out var parameters)
                ? parameters.EnumerateArray().Where(p => p.GetProperty("in").GetString() == "query").Select(p => p.GetProperty("name").GetString()!).Order().ToArray()
                : [];

        Assert.Equal(["clip_length", "frames", "name", "overlap", "question"], Query("/api/videos", "post"));
        Assert.Equal(["page", "page_size"], Query("/api/videos", "get"));
        Assert.Equal(["label", "limit", "min_confidence", "mode", "model_version", "q", "rerank", "uploaded_after", "uploaded_before", "video_id"],
            Query("/api/search", "get"));
        Assert.Equal(["limit"], Query("/api/videos/{id}/clips/{index}/similar", "get"));
        Assert.Equal(["page", "page_size", "status", "video_id", "watchlist"], Query("/api/flags", "get"));
        Assert.Equal(["page", "page_size"], Query("/api/webhooks/{id}/deliveries", "get"));
        Assert.Equal(["force"], Query("/api/models/{version}/activate", "post"));
        Assert.Empty(Query("/api/models", "get"));
    }

    private async Task AssertRefusedAsync(HttpContent content, string name, HttpStatusCode status, string message, string query = "")
    {
        content.Headers.ContentType ??= new MediaTypeHeaderValue("application/octet-stream");
        var before = Directory.Exists(Path.Combine(BlobRoot, "videos")) ? Directory.GetDirectories(Path.Combine(BlobRoot, "videos")).Length : 0;
        using var response = await _http.PostAsync($"/api/videos?name={name}{query}", content);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"{name}: expected {(int)status}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(body);
        Assert.True(problem.RootElement.TryGetProperty("detail", out var detail), $"{name}: no detail in {body}");
        Assert.Contains(message, detail.GetString());
        if (status == HttpStatusCode.BadRequest && query.Length > 0)
        {
            var field = query.Split('&', StringSplitOptions.RemoveEmptyEntries).Last().Split('=')[0];
            Assert.True(problem.RootElement.GetProperty("errors").TryGetProperty(field, out _), $"{name}: errors should name {field}: {body}");
        }
        var after = Directory.Exists(Path.Combine(BlobRoot, "videos")) ? Directory.GetDirectories(Path.Combine(BlobRoot, "videos")).Length : 0;
        Assert.Equal(before, after);
        await using var db = new ResultsDbContext(ResultsDbContextOptions.Create(stack.ConnectionString));
        Assert.False(await db.Videos.AnyAsync(v => v.FileName == name), $"{name}: a Video row was left behind");
    }

    private static StreamContent FileContent(string path)
    {
        var content = new StreamContent(File.OpenRead(path));
        content.Headers.ContentType = new MediaTypeHeaderValue(path.EndsWith(".mp4", StringComparison.Ordinal) ? "video/mp4" : "application/octet-stream");
        return content;
    }

    private async Task<string> FfmpegAsync(string name, string arguments)
    {
        var path = Path.Combine(_folder, name);
        var start = new ProcessStartInfo("bash", ["-c", $"ffmpeg -nostdin -v error -y {arguments} '{path}'"]) { RedirectStandardError = true };
        using var process = Process.Start(start)!;
        var errors = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"ffmpeg failed: {errors}");
        return path;
    }

    /// <summary>Stands in for the silo's video grains: records the calls, or plays an unreachable cluster.</summary>
    private sealed class FakeVideoGrains : IVideoGrains
    {
        public bool Unavailable { get; set; }

        public List<(Guid, IngestRequest)> Started { get; } = [];

        public List<Guid> Deleted { get; } = [];

        public Task<VideoSnapshot> StartAsync(Guid videoId, IngestRequest request)
        {
            if (Unavailable)
            {
                throw new ClusterUnavailableException("the processing cluster is not reachable; try again shortly");
            }
            Started.Add((videoId, request));
            return Task.FromResult(new VideoSnapshot(videoId, VideoState.Received, 0, 0, 0, null, null));
        }

        public Task DeleteAsync(Guid videoId)
        {
            Deleted.Add(videoId);
            return Task.CompletedTask;
        }

        public Task<ClipRetry> RetryFailedClipsAsync(Guid videoId) =>
            Unavailable
                ? throw new ClusterUnavailableException("the processing cluster is not reachable; try again shortly")
                : Task.FromResult(new ClipRetry(ClipRetryOutcome.NoFailedClips, new VideoSnapshot(videoId, VideoState.Completed, 0, 0, 0, null, null), [], "no failed clips"));
    }

    /// <summary>A body whose length HttpClient cannot know, so it is sent chunked.</summary>
    private sealed class UnknownLengthStream(byte[] data) : MemoryStream(data)
    {
        public override bool CanSeek => false;
    }
}
