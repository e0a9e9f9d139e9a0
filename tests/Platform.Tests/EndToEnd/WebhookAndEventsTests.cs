using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Npgsql;
using VideoCoca.Contracts.Api;
using VideoCoca.Platform.Tests.Infrastructure;

namespace VideoCoca.Platform.Tests.EndToEnd;

/// <summary>
/// Hearing about videos: webhooks delivered from the outbox (signed, retried, once per event), the events stream of
/// an upload, and failed clips listed with their reason and queued again.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class WebhookAndEventsTests(StackFixture stack)
{
    private const string Secret = "a-test-secret-of-32-characters!!";

    /// <summary>Short retries so that refused attempts are retried within the test's patience.</summary>
    private static readonly Dictionary<string, string> FastWebhooks = new()
    {
        ["Webhooks__RetryBaseDelay"] = "00:00:00.200",
        ["Webhooks__PollInterval"] = "00:00:00.100",
        ["Webhooks__RequestTimeout"] = "00:00:05",
    };

    [Fact(Timeout = 300_000)]
    public async Task AReceiverThatRefusesTheFirstAttemptsGetsEveryEventOnceSignedAndTheEventsStreamEndsWithTheTerminalState()
    {
        const int refusals = 3;
        await using var receiver = WebhookReceiver.Start(refusals);
        await using var platform = new RunningPlatform(stack, "webhooks");
        platform.StartSilo("silo");
        platform.StartWorker("worker");
        platform.StartGateway(settings: FastWebhooks);
        await platform.CheckAsync(async () =>
        {
            var first = await WorldVideo.RenderAsync(Path.Combine(platform.Folder, "first.mp4"), seed: 3, scenes: 3);
            var second = await WorldVideo.RenderAsync(Path.Combine(platform.Folder, "second.mp4"), seed: 4, scenes: 2);
            await platform.WaitUntilReadyAsync();

            using var created = await platform.Http.PostAsJsonAsync("/api/webhooks", new { url = receiver.Url, events = new[] { "video.completed" }, secret = Secret });
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            var webhook = await created.Content.ReadFromJsonAsync<JsonElement>();
            var webhookId = webhook.GetProperty("id").GetGuid();
            Assert.False(webhook.TryGetProperty("secret", out _), "a secret given is never returned");
            Assert.Equal(receiver.Url, webhook.GetProperty("url").GetString());

            var firstId = await platform.UploadAsync(first.Path);
            var stream = ReadEventsAsync(platform.Http, firstId);
            var secondId = await platform.UploadAsync(second.Path);
            var statuses = await platform.WaitForFinishedAsync([firstId, secondId], TimeSpan.FromMinutes(3));
            RunningPlatform.AssertAllCompleted(statuses, new Dictionary<Guid, int> { [firstId] = 3, [secondId] = 2 });

            // The events stream: the current state first, progress on the way, the terminal state last, then the end.
            var events = await stream.WaitAsync(TimeSpan.FromSeconds(30));
            var states = events.Where(e => e.Name == "state").Select(e => e.Data.Deserialize<VideoStatus>()!).ToList();
            Assert.True(events[0].Name == "state" && !RunningPlatform.IsFinished(states[0].State) && states[0].VideoId == firstId,
                $"first event: {events[0].Name} {events[0].Data}");
            Assert.Contains(events, e => e.Name == "progress");
            var last = events[^1];
            Assert.Equal("state", last.Name);
            Assert.Equal((VideoState.Completed, 3, 3), (states[^1].State, states[^1].Progress.Done, states[^1].Progress.Total));
            Assert.True(states.Select(s => (int)s.State).Zip(states.Skip(1).Select(s => (int)s.State)).All(p => p.First < p.Second),
                $"states out of order: {string.Join(", ", states.Select(s => s.State))}");
            var progress = events.Where(e => e.Name == "progress").Select(e => e.Data.GetProperty("done").GetInt32()).ToList();
            Assert.True(progress.SequenceEqual(progress.Order()), $"progress out of order: {string.Join(", ", progress)}");

            // Every event arrives, and once, among the answered attempts; each one signed and fresh.
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
            while (receiver.Accepted.Count < 2 && DateTime.UtcNow < deadline) await Task.Delay(100);
            // Long enough for a duplicate to show up: several poll intervals and retry delays.
            await Task.Delay(TimeSpan.FromSeconds(3));
            var accepted = receiver.Accepted.ToList();
            Assert.Equal(refusals, receiver.Refused.Count);
            Assert.Equal(2, accepted.Count);
            Assert.Equal(2, accepted.Select(r => r.EventId).Distinct().Count());
            var videos = new HashSet<Guid>();
            foreach (var request in accepted.Concat(receiver.Refused))
            {
                Assert.Equal("application/json", request.ContentType);
                Assert.Equal("video.completed", request.EventType);
                var (t, v1) = ParseSignature(request.Signature);
                var expected = Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(Secret), Encoding.UTF8.GetBytes($"{t}.{request.Body}")));
                Assert.True(expected == v1, $"signature {request.Signature} does not verify for body {request.Body}");
                Assert.InRange(DateTimeOffset.FromUnixTimeSeconds(t), request.ReceivedAt.AddSeconds(-30), request.ReceivedAt.AddSeconds(30));
                using var body = JsonDocument.Parse(request.Body);
                Assert.Equal(request.EventId, body.RootElement.GetProperty("id").GetGuid());
                Assert.Equal("video.completed", body.RootElement.GetProperty("type").GetString());
                Assert.Equal("completed", body.RootElement.GetProperty("data").GetProperty("state").GetString());
                videos.Add(body.RootElement.GetProperty("data").GetProperty("video_id").GetGuid());
            }
            Assert.Equal(new[] { firstId, secondId }.Order(), videos.Order());
            var bodies = accepted.Select(r => JsonDocument.Parse(r.Body).RootElement.GetProperty("data")).ToDictionary(d => d.GetProperty("video_id").GetGuid());
            Assert.Equal((3, 3, 0, "first.mp4"), (bodies[firstId].GetProperty("clips_total").GetInt32(), bodies[firstId].GetProperty("clips_done").GetInt32(),
                bodies[firstId].GetProperty("clips_failed").GetInt32(), bodies[firstId].GetProperty("file_name").GetString()));

            // The deliveries endpoint tells the same story: the refused attempts (500), then one 200 each.
            var page = await platform.Http.GetFromJsonAsync<JsonElement>($"/api/webhooks/{webhookId}/deliveries");
            var deliveries = page.GetProperty("items").EnumerateArray().ToList();
            Assert.Equal(2, page.GetProperty("total").GetInt32());
            Assert.Equal(accepted.Select(r => r.EventId).Order(), deliveries.Select(d => d.GetProperty("event_id").GetGuid()).Order());
            var codes = new List<int>();
            foreach (var delivery in deliveries)
            {
                var attempts = delivery.GetProperty("attempt_log").EnumerateArray().Select(a => a.GetProperty("status_code").GetInt32()).ToList();
                Assert.Equal(("delivered", attempts.Count, 200), (delivery.GetProperty("state").GetString(), delivery.GetProperty("attempts").GetInt32(),
                    delivery.GetProperty("last_status_code").GetInt32()));
                Assert.Equal([.. Enumerable.Repeat(500, attempts.Count - 1), 200], attempts);
                Assert.Equal(JsonValueKind.Null, delivery.GetProperty("next_attempt_at").ValueKind);
                codes.AddRange(attempts);
            }
            Assert.Equal(refusals, codes.Count(c => c == 500));
        });
    }

    [Fact(Timeout = 300_000)]
    public async Task AClipWhoseFramesAreCorruptIsListedFailedWithItsReasonAndSucceedsOnRetry()
    {
        await using var platform = new RunningPlatform(stack, "retry");
        platform.StartSilo("silo");
        platform.StartGateway(settings: FastWebhooks);
        await platform.CheckAsync(async () =>
        {
            var video = await WorldVideo.RenderAsync(Path.Combine(platform.Folder, "three-scenes.mp4"), seed: 5, scenes: 3);
            await platform.WaitUntilReadyAsync();
            await AssertBadInputAsync(platform);

            // No worker yet: every clip is queued with its frames on disk, and nothing can have been analysed.
            var videoId = await platform.UploadAsync(video.Path);
            var frames = await WaitUntilQueuedAsync(videoId, 3);
            await AssertProblemAsync(await platform.Http.PostAsync($"/api/videos/{videoId}/retry", null), HttpStatusCode.Conflict, "still");
            var queued = await platform.GetClipsAsync(videoId);
            Assert.Equal([ClipStates.Queued, ClipStates.Queued, ClipStates.Queued], queued.Select(c => c.State));

            // Clip 1's frames cut short: the worker refuses that clip alone.
            var path = frames[1];
            var original = await File.ReadAllBytesAsync(path);
            await File.WriteAllBytesAsync(path, original[..(original.Length / 2)]);
            platform.StartWorker("worker");
            var status = (await platform.WaitForFinishedAsync([videoId], TimeSpan.FromMinutes(2)))[videoId];
            Assert.Equal((VideoState.CompletedWithErrors, 3, 3, 1), (status.State, status.Progress.Done, status.Progress.Total, status.Progress.Failed));

            var clips = await platform.GetClipsAsync(videoId);
            Assert.Equal([0, 1, 2], clips.Select(c => c.Index));
            Assert.Equal([ClipStates.Analysed, ClipStates.Failed, ClipStates.Analysed], clips.Select(c => c.State));
            Assert.True(clips[1].Error is { } reason && reason.Contains(path, StringComparison.Ordinal) && reason.Contains("bytes", StringComparison.Ordinal),
                $"clip 1's error: {clips[1].Error}");
            Assert.Equal(("", 0, 0, ""), (clips[1].Caption, clips[1].Labels.Count, clips[1].Answers.Count, clips[1].ModelVersion));
            Assert.Equal(video.Scenes[0].Caption, clips[0].Caption);
            Assert.Null(clips[0].Error);

            // Frames gone, and the original upload too (Retention:Originals): refused, naming the clip and the original; nothing changes.
            File.Delete(path);
            var upload = Path.Combine(platform.BlobRoot, "videos", videoId.ToString("D"), "source.mp4");
            Assert.True(File.Exists(upload), $"no original upload at {upload}");
            File.Move(upload, upload + ".aside");
            await AssertProblemAsync(await platform.Http.PostAsync($"/api/videos/{videoId}/retry", null), HttpStatusCode.Conflict, "clip 1 ");
            await AssertProblemAsync(await platform.Http.PostAsync($"/api/videos/{videoId}/retry", null), HttpStatusCode.Conflict, "original upload");
            Assert.Equal(VideoState.CompletedWithErrors, (await platform.GetStatusAsync(videoId)).State);
            Assert.False(File.Exists(path));

            // The original back, the frames still gone: the retry cuts them again from it; the clip is queued again, analysed,
            // and the video completes.
            File.Move(upload + ".aside", upload);
            using (var retry = await platform.Http.PostAsync($"/api/videos/{videoId}/retry", null))
            {
                Assert.Equal(HttpStatusCode.Accepted, retry.StatusCode);
                var accepted = await retry.Content.ReadFromJsonAsync<VideoStatus>();
                Assert.Equal((VideoState.Analysing, 2, 0), (accepted!.State, accepted.Progress.Done, accepted.Progress.Failed));
            }
            // The same frames as the first cut (read while the video is analysing: retention takes analysed clips' frames once it finishes).
            Assert.Equal(original, await File.ReadAllBytesAsync(path));
            status = (await platform.WaitForFinishedAsync([videoId], TimeSpan.FromMinutes(2)))[videoId];
            Assert.Equal((VideoState.Completed, 3, 3, 0, (string?)null), (status.State, status.Progress.Done, status.Progress.Total, status.Progress.Failed, status.Error));
            clips = await platform.GetClipsAsync(videoId);
            Assert.Equal([ClipStates.Analysed, ClipStates.Analysed, ClipStates.Analysed], clips.Select(c => c.State));
            Assert.Equal(video.Scenes.Select(s => s.Caption), clips.Select(c => c.Caption));
            Assert.Null(clips[1].Error);
            await platform.AssertEveryClipAnalysedOnceAsync(new Dictionary<Guid, int> { [videoId] = 3 });

            // Nothing left to retry.
            await AssertProblemAsync(await platform.Http.PostAsync($"/api/videos/{videoId}/retry", null), HttpStatusCode.Conflict, "no failed clips");
            // One video.completed per time the video finished, with the state it finished in.
            Assert.Equal(["completed_with_errors", "completed"], await CompletedEventStatesAsync(videoId));
        });
    }

    /// <summary>Refusals with the field named, and unknown ids.</summary>
    private static async Task AssertBadInputAsync(RunningPlatform platform)
    {
        var http = platform.Http;
        await AssertInvalidAsync(await http.PostAsJsonAsync("/api/webhooks", new { url = "ftp://127.0.0.1/hook", events = new[] { "video.completed" } }), "url");
        await AssertInvalidAsync(await http.PostAsJsonAsync("/api/webhooks", new { url = "/relative", events = new[] { "video.completed" } }), "url");
        await AssertInvalidAsync(await http.PostAsJsonAsync("/api/webhooks", new { url = "http://127.0.0.1/hook", events = new[] { "video.exploded" } }), "events");
        await AssertInvalidAsync(await http.PostAsJsonAsync("/api/webhooks", new { url = "http://127.0.0.1/hook", events = Array.Empty<string>() }), "events");
        await AssertInvalidAsync(await http.PostAsJsonAsync("/api/webhooks", new { url = "http://127.0.0.1/hook", events = new[] { "video.failed" }, secret = "short" }), "secret");
        Assert.Empty(await http.GetFromJsonAsync<JsonElement[]>("/api/webhooks") ?? []);

        // No secret given: one is made, shown once, and never again.
        using var created = await http.PostAsJsonAsync("/api/webhooks", new { url = "https://example.invalid/hook", events = new[] { "video.failed", "clip.flagged" } });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var webhook = await created.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(webhook.GetProperty("secret").GetString() is { Length: >= 32 });
        var id = webhook.GetProperty("id").GetGuid();
        Assert.Equal(new Uri(http.BaseAddress!, $"/api/webhooks/{id}"), new Uri(http.BaseAddress!, created.Headers.Location!));
        var read = await http.GetFromJsonAsync<JsonElement>($"/api/webhooks/{id}");
        Assert.False(read.TryGetProperty("secret", out _));
        Assert.Equal(["video.failed", "clip.flagged"], read.GetProperty("events").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(HttpStatusCode.NoContent, (await http.DeleteAsync($"/api/webhooks/{id}")).StatusCode);

        var unknown = Guid.NewGuid();
        foreach (var url in new[] { $"/api/webhooks/{unknown}", $"/api/webhooks/{unknown}/deliveries", $"/api/videos/{unknown}/events" })
        {
            await AssertProblemAsync(await http.GetAsync(url), HttpStatusCode.NotFound, unknown.ToString());
        }
        await AssertProblemAsync(await http.DeleteAsync($"/api/webhooks/{unknown}"), HttpStatusCode.NotFound, unknown.ToString());
        await AssertProblemAsync(await http.PostAsync($"/api/videos/{unknown}/retry", null), HttpStatusCode.NotFound, unknown.ToString());
        await AssertProblemAsync(await http.GetAsync("/api/videos/not-a-guid/events"), HttpStatusCode.BadRequest, "not-a-guid");
        await AssertProblemAsync(await http.GetAsync("/api/webhooks/not-a-guid"), HttpStatusCode.BadRequest, "not-a-guid");
    }

    private static async Task AssertInvalidAsync(HttpResponseMessage response, string field)
    {
        using (response)
        {
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{(int)response.StatusCode}: {body}");
            using var problem = JsonDocument.Parse(body);
            Assert.True(problem.RootElement.GetProperty("errors").TryGetProperty(field, out _), $"the problem does not name {field}: {body}");
        }
    }

    private static async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string detailPart)
    {
        using (response)
        {
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == status, $"expected {(int)status}, got {(int)response.StatusCode}: {body}");
            using var problem = JsonDocument.Parse(body);
            var detail = problem.RootElement.GetProperty("detail").GetString() ?? "";
            Assert.True(detail.Contains(detailPart, StringComparison.OrdinalIgnoreCase), $"detail '{detail}' does not say '{detailPart}'");
        }
    }

    /// <summary>Waits until the video's clips are all recorded queued with their frames written; their frames paths by index.</summary>
    private async Task<IReadOnlyList<string>> WaitUntilQueuedAsync(Guid videoId, int clips)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
        while (true)
        {
            await using var connection = new NpgsqlConnection(stack.ConnectionString);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand(
                "SELECT c.frames_path FROM clips c JOIN videos v ON v.id = c.video_id WHERE c.video_id = @video AND c.state = 'queued' AND v.state = 'analysing' ORDER BY c.index",
                connection);
            command.Parameters.AddWithValue("video", videoId);
            var paths = new List<string>();
            await using (var reader = await command.ExecuteReaderAsync())
            {
                while (await reader.ReadAsync()) paths.Add(reader.IsDBNull(0) ? "" : reader.GetString(0));
            }
            if (paths.Count == clips && paths.All(File.Exists)) return paths;
            Assert.True(DateTime.UtcNow < deadline, $"video {videoId}: {paths.Count} of {clips} clips queued with frames after 2 minutes");
            await Task.Delay(200);
        }
    }

    /// <summary>The states of the video.completed events in the outbox for a video, oldest first.</summary>
    private async Task<IReadOnlyList<string>> CompletedEventStatesAsync(Guid videoId)
    {
        await using var connection = new NpgsqlConnection(stack.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT body::jsonb -> 'data' ->> 'state' FROM webhook_events WHERE type = 'video.completed' AND (body::jsonb -> 'data' ->> 'video_id')::uuid = @video ORDER BY created_at",
            connection);
        command.Parameters.AddWithValue("video", videoId);
        var states = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) states.Add(reader.GetString(0));
        return states;
    }

    /// <summary>Reads the video's events stream to its end: each event's name and data.</summary>
    private static async Task<List<StreamEvent>> ReadEventsAsync(HttpClient platformHttp, Guid videoId)
    {
        using var http = new HttpClient { BaseAddress = platformHttp.BaseAddress, Timeout = Timeout.InfiniteTimeSpan };
        http.DefaultRequestHeaders.Authorization = platformHttp.DefaultRequestHeaders.Authorization;
        using var cancel = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        using var response = await http.GetAsync($"/api/videos/{videoId}/events", HttpCompletionOption.ResponseHeadersRead, cancel.Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        await using var stream = await response.Content.ReadAsStreamAsync(cancel.Token);
        using var reader = new StreamReader(stream);
        var events = new List<StreamEvent>();
        string? name = null;
        string? data = null;
        // Null at the end of the stream: the gateway closed it.
        while (await reader.ReadLineAsync(cancel.Token) is { } line)
        {
            if (line.Length == 0)
            {
                if (name is not null && data is not null) events.Add(new StreamEvent(name, JsonDocument.Parse(data).RootElement.Clone()));
                (name, data) = (null, null);
            }
            else if (line.StartsWith("event: ", StringComparison.Ordinal)) name = line[7..];
            else if (line.StartsWith("data: ", StringComparison.Ordinal)) data = line[6..];
        }
        return events;
    }

    private static (long T, string V1) ParseSignature(string header)
    {
        var parts = header.Split(',').Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
        return (long.Parse(parts["t"], CultureInfo.InvariantCulture), parts["v1"]);
    }

    private sealed record StreamEvent(string Name, JsonElement Data);
}

/// <summary>
/// A webhook receiver on loopback: answers 500 to the first <c>refusals</c> requests (by count, whatever their
/// timing), 200 after, and keeps what it was sent.
/// </summary>
internal sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly HttpListener _listener;
    private readonly Task _loop;
    private readonly int _refusals;
    private int _requests;

    private WebhookReceiver(HttpListener listener, string url, int refusals)
    {
        _listener = listener;
        Url = url;
        _refusals = refusals;
        _loop = Task.Run(ServeAsync);
    }

    public string Url { get; }

    public ConcurrentQueue<ReceivedDelivery> Accepted { get; } = new();

    public ConcurrentQueue<ReceivedDelivery> Refused { get; } = new();

    public static WebhookReceiver Start(int refusals)
    {
        for (var attempt = 0; ; attempt++)
        {
            var port = FreePort();
            var prefix = $"http://127.0.0.1:{port}/";
            var listener = new HttpListener();
            listener.Prefixes.Add(prefix);
            try
            {
                listener.Start();
                return new WebhookReceiver(listener, prefix + "hooks/vcp", refusals);
            }
            catch (HttpListenerException) when (attempt < 5)
            {
                listener.Close();
            }
        }
    }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }
            using var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8);
            var body = await reader.ReadToEndAsync();
            var refuse = Interlocked.Increment(ref _requests) <= _refusals;
            var delivery = new ReceivedDelivery(
                Guid.TryParse(context.Request.Headers["X-Vcp-Event-Id"], out var id) ? id : Guid.Empty,
                context.Request.Headers["X-Vcp-Event-Type"] ?? "",
                context.Request.Headers["X-Vcp-Signature"] ?? "",
                context.Request.ContentType ?? "",
                body,
                DateTimeOffset.UtcNow);
            (refuse ? Refused : Accepted).Enqueue(delivery);
            context.Response.StatusCode = refuse ? 500 : 200;
            context.Response.Close();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        _listener.Close();
        await _loop;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>One request the receiver got.</summary>
internal sealed record ReceivedDelivery(Guid EventId, string EventType, string Signature, string ContentType, string Body, DateTimeOffset ReceivedAt);
