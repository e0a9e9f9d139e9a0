using System.Net;
using System.Text.Json;
using VideoCoca.Contracts.Api;
using VideoCoca.Platform.Tests.EndToEnd;
using VideoCoca.Platform.Tests.Infrastructure;

namespace VideoCoca.Platform.Tests.Telemetry;

/// <summary>
/// OpenTelemetry across the hosts as an operator sees it: the hosts export to a collector (a loopback one here) and
/// Prometheus scrapes each host's /metrics. One upload's trace runs from the gateway's request through the grain,
/// RabbitMQ and the worker down to the SQL statements that store its clips.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class TraceAcrossHostsTests(StackFixture stack)
{
    private const int Scenes = 2;

    [Fact(Timeout = 300_000)]
    public async Task AnUploadsTraceHoldsSpansOfTheGatewayTheSiloAndTheWorkerDownToItsDatabaseWritesAndEachHostsMetricsCountIt()
    {
        await using var collector = await OtlpCollector.StartAsync();
        await using var platform = new RunningPlatform(stack, "otel");
        var siloOperations = PlatformMetrics.FreeLoopbackUrl();
        var workerOperations = PlatformMetrics.FreeLoopbackUrl();
        // The silo logs JSON: its lines about the video carry the upload's trace id, so logs and traces meet.
        var silo = platform.StartSilo("silo", Exporting(collector, ("Operations__Url", siloOperations), ("Telemetry__JsonLogs", "true")));
        platform.StartWorker("worker", Exporting(collector, ("Operations__Url", workerOperations)));
        platform.StartGateway(settings: Exporting(collector));
        await platform.CheckAsync(async () =>
        {
            var video = await WorldVideo.RenderAsync(Path.Combine(platform.Folder, "traced.mp4"), seed: 5, scenes: Scenes);
            await platform.WaitUntilReadyAsync();

            var videoId = await platform.UploadAsync(video.Path);
            var status = (await platform.WaitForFinishedAsync([videoId], TimeSpan.FromMinutes(2)))[videoId];
            Assert.Equal((VideoState.Completed, Scenes), (status.State, status.Progress.Done));

            var trace = await UploadTraceAsync(collector, videoId, TimeSpan.FromSeconds(60));
            var byId = trace.ToDictionary(s => s.SpanId);
            var stores = trace.Where(s => (s.Service, s.Scope, s.Name) == ("vcp-worker", "VideoCoca.Worker", "store clip result")).ToList();
            Assert.Equal(Enumerable.Range(0, Scenes).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                stores.Select(s => s.Attributes.GetValueOrDefault("vcp.clip_index", "?")).Order());
            // The database writes of a clip's results are children of its store span, in the upload's trace.
            Assert.True(trace.Count(s => s.Service == "vcp-worker" && s.Scope == "Npgsql" && byId.TryGetValue(s.ParentSpanId, out var parent) && parent.Name == "store clip result") >= Scenes,
                $"fewer than {Scenes} Npgsql spans under the worker's store spans; the trace:\n{Describe(trace)}");

            var traceId = trace[0].TraceId;
            var siloLines = JsonLogLines(silo.LogPath).Where(l => l.Message.Contains(videoId.ToString(), StringComparison.Ordinal)).ToList();
            Assert.True(siloLines.Count > 0, $"the silo logged no JSON line about video {videoId}:\n{silo.Tail()}");
            Assert.Contains(siloLines, l => l.TraceId == traceId);

            // Prometheus: each host's own meter, counted for this upload.
            var gatewayMetrics = await platform.Http.GetStringAsync("/metrics");
            Assert.Equal(1, PlatformMetrics.Sum(gatewayMetrics, "vcp_uploads_total"));
            var siloMetrics = await GetAsync(siloOperations + "/metrics");
            Assert.Equal(Scenes, PlatformMetrics.Sum(siloMetrics, "vcp_clips_queued_total"));
            Assert.Equal(1, PlatformMetrics.Sum(siloMetrics, "vcp_videos_finished_total"));
            var workerMetrics = await GetAsync(workerOperations + "/metrics");
            Assert.Equal(Scenes, PlatformMetrics.Sum(workerMetrics, "vcp_clips_analysed_total"));
            Assert.Equal(Scenes, PlatformMetrics.Sum(workerMetrics, "vcp_batch_size_sum"));
            Assert.True(PlatformMetrics.Sum(workerMetrics, "vcp_batch_model_time_seconds_count") >= 1, "no forward pass timed:\n" + workerMetrics);
            Assert.NotNull(PlatformMetrics.Sum(workerMetrics, "vcp_queue_depth"));
            // What the worker holds between batches: some memory (the model at least), never more than its peak.
            var afterBatch = PlatformMetrics.Sum(workerMetrics, "vcp_worker_memory_after_batch_bytes");
            var peak = PlatformMetrics.Sum(workerMetrics, "vcp_process_memory_peak_bytes");
            Assert.True(afterBatch is > 0 && peak is > 0 && afterBatch <= peak, $"after batch {afterBatch}, peak {peak}:\n" + workerMetrics);

            // Health as the gateway answers it, on the generic hosts too.
            foreach (var (operations, own) in new[] { (siloOperations, "orleans"), (workerOperations, "model") })
            {
                var live = await HealthAsync(operations + "/health/live");
                Assert.Equal(("Healthy", ""), (live.Status, string.Join(", ", live.Checks)));
                // Ready: the database, the bus (MassTransit's own check) and what the host itself needs.
                var ready = await HealthAsync(operations + "/health/ready");
                Assert.Equal(("Healthy", string.Join(", ", new[] { "masstransit-bus", own, "postgres" }.Order())), (ready.Status, string.Join(", ", ready.Checks)));
            }
            Assert.True(collector.MetricExports > 0, "no host exported metrics over OTLP");
        });
    }

    /// <summary>A host's environment exporting to the collector promptly (the batch processor's delay is 5 s by default).</summary>
    private static Dictionary<string, string> Exporting(OtlpCollector collector, params (string Key, string Value)[] more)
    {
        var settings = new Dictionary<string, string>
        {
            ["Telemetry__OtlpEndpoint"] = collector.Url,
            ["OTEL_BSP_SCHEDULE_DELAY"] = "200",
            ["OTEL_METRIC_EXPORT_INTERVAL"] = "1000",
        };
        foreach (var (key, value) in more) settings[key] = value;
        return settings;
    }

    /// <summary>What an upload's trace must hold, host by host, down to the SQL of each clip's results.</summary>
    private static readonly (string What, Func<IReadOnlyList<CollectedSpan>, bool> Holds)[] Parts =
    [
        ("the gateway's request", t => t.Any(s => s.Service == "vcp-gateway" && s.Scope == "Microsoft.AspNetCore")),
        ("the grain call (Orleans) in the silo", t => t.Any(s => s.Service == "vcp-silo" && s.Scope.StartsWith("Microsoft.Orleans", StringComparison.Ordinal))),
        ("the silo's ingest", t => t.Any(s => (s.Service, s.Scope, s.Name) == ("vcp-silo", "VideoCoca.Silo", "ingest video"))),
        ("the silo's sends (MassTransit)", t => t.Any(s => s.Service == "vcp-silo" && s.Scope == "MassTransit")),
        ("the worker's messages (MassTransit)", t => t.Any(s => s.Service == "vcp-worker" && s.Scope == "MassTransit")),
        ($"the worker's store span of each of the {Scenes} clips", t => t.Count(s => s.Service == "vcp-worker" && s.Name == "store clip result") >= Scenes),
        ("the worker's SQL (Npgsql)", t => t.Count(s => s.Service == "vcp-worker" && s.Scope == "Npgsql") >= Scenes),
    ];

    /// <summary>
    /// The spans of the upload's trace, found by the gateway's request span that names the video, once every part of
    /// <see cref="Parts"/> has arrived (each host exports in batches of its own).
    /// </summary>
    private static async Task<IReadOnlyList<CollectedSpan>> UploadTraceAsync(OtlpCollector collector, Guid videoId, TimeSpan patience)
    {
        var deadline = DateTime.UtcNow + patience;
        while (true)
        {
            var spans = collector.Spans;
            var upload = spans.FirstOrDefault(s => s.Service == "vcp-gateway" && s.Attributes.GetValueOrDefault("vcp.video_id") == videoId.ToString());
            var trace = upload is null ? [] : spans.Where(s => s.TraceId == upload.TraceId).ToList();
            var missing = Parts.Where(p => !p.Holds(trace)).Select(p => p.What).ToList();
            if (upload is not null && missing.Count == 0) return trace;
            if (DateTime.UtcNow > deadline)
            {
                var services = spans.GroupBy(s => s.Service).Select(g => $"{g.Key}: {g.Count()} spans");
                throw new Xunit.Sdk.XunitException(upload is null
                    ? $"no gateway span names video {videoId}; received {string.Join(", ", services)}"
                    : $"after {patience.TotalSeconds:F0} s the upload's trace {upload.TraceId} lacks {string.Join("; ", missing)}:\n{Describe(trace)}");
            }
            await Task.Delay(250);
        }
    }

    /// <summary>The host's JSON log lines (one object a line): message and the trace id of the scope it was logged in.</summary>
    private static List<(string Message, string? TraceId)> JsonLogLines(string logPath)
    {
        using var stream = new FileStream(logPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        var lines = new List<(string, string?)>();
        while (reader.ReadLine() is { } line)
        {
            if (!line.StartsWith('{')) continue;
            using var json = JsonDocument.Parse(line);
            var root = json.RootElement;
            var traceId = root.TryGetProperty("Scopes", out var scopes)
                ? scopes.EnumerateArray().Where(s => s.ValueKind == JsonValueKind.Object && s.TryGetProperty("TraceId", out _))
                    .Select(s => s.GetProperty("TraceId").GetString()).FirstOrDefault()
                : null;
            lines.Add((root.GetProperty("Message").GetString() ?? "", traceId));
        }
        return lines;
    }

    private static string Describe(IEnumerable<CollectedSpan> spans) => string.Join("\n", spans.Select(s => "  " + s));

    private static async Task<string> GetAsync(string url)
    {
        using var http = new HttpClient();
        return await http.GetStringAsync(url);
    }

    /// <summary>The overall status and the names of the checks that decided it.</summary>
    private static async Task<(string Status, string[] Checks)> HealthAsync(string url)
    {
        using var http = new HttpClient();
        using var response = await http.GetAsync(url);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{url} answered {(int)response.StatusCode}: {body}");
        using var json = JsonDocument.Parse(body);
        var checks = json.RootElement.GetProperty("checks").EnumerateObject().Select(c => c.Name).Order().ToArray();
        return (json.RootElement.GetProperty("status").GetString()!, checks);
    }
}
