using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Npgsql;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;
using VideoCoca.Contracts.Api;
using VideoCoca.Contracts.Messages;
using VideoCoca.Gateway.Hosting;
using VideoCoca.GpuWorkers.Hosting;
using VideoCoca.Platform.Tests.Infrastructure;
using Xunit.Sdk;

namespace VideoCoca.Platform.Tests.EndToEnd;

/// <summary>
/// The platform as separate processes on this run's database and RabbitMQ virtual host: silos, workers and a gateway
/// started from their build output, configured by environment variables, on free loopback ports, one Orleans cluster
/// of the test's own. The test talks to it as a user does (HTTP) and checks it as an operator would (PostgreSQL,
/// RabbitMQ's queues). Every failure it reports carries the tail of each host's output.
/// </summary>
public sealed class RunningPlatform : IAsyncDisposable
{
    /// <summary>The workers' shared queue (Worker:QueueName's default).</summary>
    public const string AnalyzeQueue = "analyze-clip";

    /// <summary>The silos' queue for ClipAnalyzed and ClipFailed (ClipResultsConsumer, kebab-case).</summary>
    public const string ResultsQueue = "clip-results";

    private const int ActiveSilo = 3; // Orleans' SiloStatus.Active in the membership table.
    private static readonly TimeSpan StartPatience = TimeSpan.FromMinutes(2);

    private readonly StackFixture _stack;
    private readonly List<HostProcess> _hosts = [];
    private readonly List<HostProcess> _workers = [];
    private readonly Dictionary<HostProcess, Func<Task<bool>>> _readiness = [];
    private readonly string _modelPath = Path.Combine(RepositoryPaths.Root, "models", "world-tiny");
    private IConnection? _rabbit;

    public RunningPlatform(StackFixture stack, string name)
    {
        _stack = stack;
        Folder = Directory.CreateTempSubdirectory($"vcp-e2e-{name}-").FullName;
        ClusterId = $"e2e-{name}-{Guid.NewGuid():N}"[..30];
    }

    /// <summary>The test's folder: blob storage and the hosts' logs.</summary>
    public string Folder { get; }

    public string BlobRoot => Path.Combine(Folder, "blobs");

    public string LogFolder => Path.Combine(Folder, "logs");

    /// <summary>Orleans cluster and service id of this platform's silos and gateway.</summary>
    public string ClusterId { get; }

    /// <summary>The gateway, once started; it carries <see cref="AdminKey"/>.</summary>
    public HttpClient Http { get; private set; } = null!;

    /// <summary>An admin key of the default tenant, made in the test's database when first asked for.</summary>
    public string AdminKey => _adminKey ??= Access.TestKeys.DefaultAdmin(_stack.ConnectionString);

    private string? _adminKey;

    /// <summary>
    /// A silo (vcp-silo); reminders fire every few seconds so that another silo resumes a lost silo's videos soon.
    /// <paramref name="settings"/>: extra environment (e.g. Ingest__HoldAfterClips).
    /// </summary>
    public HostProcess StartSilo(string name, IReadOnlyDictionary<string, string>? settings = null)
    {
        var siloPort = FreePort();
        var silo = Start(name, HostBuildOutputs.Silo, Overridden(new Dictionary<string, string>
        {
            ["Orleans__ClusterId"] = ClusterId,
            ["Orleans__ServiceId"] = ClusterId,
            ["Orleans__SiloPort"] = Invariant(siloPort),
            ["Orleans__GatewayPort"] = Invariant(FreePort()),
            ["Ingest__BlobRoot"] = BlobRoot,
            ["Ingest__ReminderPeriod"] = "00:00:05",
            ["Logging__LogLevel__Polly"] = "Warning",
        }, settings));
        _readiness[silo] = () => IsSiloActiveAsync(siloPort);
        return silo;
    }

    /// <summary>
    /// A worker (vcp-worker) with the shipped model, on the CPU with one torch thread (the test machine is small), in
    /// batches of 8 rather than 32: a few dozen clips then make several batches, spread over the workers there are.
    /// </summary>
    /// <param name="name">The host's name in logs.</param>
    /// <param name="settings">Extra environment, e.g. Worker__ModelPath for another model, Worker__ModelVersion for another name, Worker__HoldAfterStoredResults.</param>
    public HostProcess StartWorker(string name, IReadOnlyDictionary<string, string>? settings = null)
    {
        var worker = Start(name, HostBuildOutputs.Worker, Overridden(new Dictionary<string, string>
        {
            ["Worker__ModelPath"] = _modelPath,
            ["Worker__Device"] = "cpu",
            ["Worker__Threads"] = "1",
            ["Worker__BatchSize"] = "8",
        }, settings));
        _workers.Add(worker);
        _readiness[worker] = async () => (await QueueAsync(AnalyzeQueue))?.Consumers >= _workers.Count(w => !w.HasExited);
        return worker;
    }

    /// <summary>A host's environment with a test's settings put over it.</summary>
    private static Dictionary<string, string> Overridden(Dictionary<string, string> environment, IReadOnlyDictionary<string, string>? settings)
    {
        foreach (var (key, value) in settings ?? new Dictionary<string, string>()) environment[key] = value;
        return environment;
    }

    /// <summary>The gateway (vcp-gateway) on a free port; <see cref="Http"/> talks to it. <paramref name="settings"/>: extra environment (e.g. Webhooks__RetryBaseDelay).</summary>
    public HostProcess StartGateway(string name = "gateway", IReadOnlyDictionary<string, string>? settings = null)
    {
        var url = $"http://127.0.0.1:{FreePort()}";
        var gateway = Start(name, HostBuildOutputs.Gateway, new Dictionary<string, string>
        {
            ["Gateway__Url"] = url,
            ["Gateway__BlobRoot"] = BlobRoot,
            ["Orleans__ClusterId"] = ClusterId,
            ["Orleans__ServiceId"] = ClusterId,
            ["Orleans__ReconnectDelay"] = "00:00:01",
            // One line per request would bury everything else.
            ["Logging__LogLevel__Microsoft.AspNetCore"] = "Warning",
            ["Logging__LogLevel__Orleans"] = "Warning",
        }.Concat(settings ?? new Dictionary<string, string>()).ToDictionary());
        // Generous: at a load average of 40 on 2 cores an upload took more than a minute; tests that prove a prompt answer time it themselves.
        Http = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromMinutes(5) };
        Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminKey);
        _readiness[gateway] = async () =>
        {
            try
            {
                using var response = await Http.GetAsync("/health/ready");
                return response.StatusCode == HttpStatusCode.OK;
            }
            catch (HttpRequestException)
            {
                return false;
            }
        };
        return gateway;
    }

    /// <summary>
    /// Waits until every host started so far is ready: a silo active in the cluster's membership table, workers
    /// consuming the analysis queue, the gateway's /health/ready answering 200 (database, broker and cluster).
    /// </summary>
    public async Task WaitUntilReadyAsync()
    {
        var deadline = DateTime.UtcNow + StartPatience;
        var waiting = _readiness.Keys.Where(h => !h.HasExited).ToList();
        while (true)
        {
            foreach (var host in waiting.ToList())
            {
                if (host.HasExited)
                {
                    throw Failure($"{host.Name} exited while starting");
                }
                if (await _readiness[host]())
                {
                    waiting.Remove(host);
                }
            }
            if (waiting.Count == 0) return;
            if (DateTime.UtcNow > deadline)
            {
                throw Failure($"not ready after {StartPatience.TotalSeconds:F0} s: {string.Join(", ", waiting.Select(h => h.Name))}");
            }
            await Task.Delay(250);
        }
    }

    /// <summary>Uploads a file as a user does (the raw body, POST /api/videos) and returns the video's id.</summary>
    public async Task<Guid> UploadAsync(string path)
    {
        await using var file = File.OpenRead(path);
        using var content = new StreamContent(file);
        content.Headers.ContentType = new MediaTypeHeaderValue("video/mp4");
        using var response = await Http.PostAsync($"/api/videos?name={Uri.EscapeDataString(Path.GetFileName(path))}", content);
        var body = await response.Content.ReadAsStringAsync();
        if (response.StatusCode != HttpStatusCode.Accepted)
        {
            throw Failure($"POST /api/videos with {Path.GetFileName(path)} answered {(int)response.StatusCode}: {body}");
        }
        using var json = JsonDocument.Parse(body);
        return json.RootElement.GetProperty("video_id").GetGuid();
    }

    /// <summary>GET /api/videos/{id}.</summary>
    public async Task<VideoStatus> GetStatusAsync(Guid videoId) =>
        await Http.GetFromJsonAsync<VideoStatus>($"/api/videos/{videoId}") ?? throw Failure($"GET /api/videos/{videoId} answered null");

    /// <summary>GET /api/videos/{id}/clips.</summary>
    public async Task<IReadOnlyList<ClipResult>> GetClipsAsync(Guid videoId) =>
        await Http.GetFromJsonAsync<List<ClipResult>>($"/api/videos/{videoId}/clips") ?? throw Failure($"GET /api/videos/{videoId}/clips answered null");

    /// <summary>Polls GET /api/videos/{id} until every video is finished (completed, with errors, or failed); their last statuses.</summary>
    public async Task<IReadOnlyDictionary<Guid, VideoStatus>> WaitForFinishedAsync(IReadOnlyCollection<Guid> videoIds, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        var statuses = new Dictionary<Guid, VideoStatus>();
        while (true)
        {
            foreach (var id in videoIds.Where(id => !statuses.TryGetValue(id, out var s) || !IsFinished(s.State)))
            {
                statuses[id] = await GetStatusAsync(id);
            }
            if (statuses.Values.All(s => IsFinished(s.State))) return statuses;
            if (DateTime.UtcNow > deadline)
            {
                var stuck = statuses.Values.Where(s => !IsFinished(s.State))
                    .Select(s => $"{s.VideoId} {s.FileName}: {s.State}, {s.Progress.Done}/{s.Progress.Total} done");
                throw Failure($"{stuck.Count()} of {videoIds.Count} videos not finished after {timeout.TotalSeconds:F0} s:\n  {string.Join("\n  ", stuck)}");
            }
            await Task.Delay(500);
        }
    }

    public static bool IsFinished(VideoState state) => state is VideoState.Completed or VideoState.CompletedWithErrors or VideoState.Failed;

    /// <summary>Every clip row of the videos with how many results it has per model version, straight from PostgreSQL.</summary>
    public async Task<IReadOnlyList<StoredClip>> StoredClipsAsync(IReadOnlyCollection<Guid> videoIds)
    {
        await using var connection = new NpgsqlConnection(_stack.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("""
            SELECT c.video_id, c.index, c.id, c.state, c.start_seconds, c.end_seconds, m.name,
                   (SELECT count(*) FROM clip_results r WHERE r.clip_id = c.id AND r.model_version_id = m.id),
                   (SELECT count(*) FROM clip_labels l WHERE l.clip_id = c.id AND l.model_version_id = m.id),
                   (SELECT count(*) FROM clip_answers a WHERE a.clip_id = c.id AND a.model_version_id = m.id)
            FROM clips c CROSS JOIN model_versions m
            WHERE c.video_id = ANY(@videos)
            ORDER BY c.video_id, c.index, m.name
            """, connection);
        command.Parameters.AddWithValue("videos", videoIds.ToArray());
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<StoredClip>();
        while (await reader.ReadAsync())
        {
            rows.Add(new StoredClip(reader.GetGuid(0), reader.GetInt32(1), reader.GetGuid(2), reader.GetString(3), reader.GetDouble(4), reader.GetDouble(5),
                reader.GetString(6), reader.GetInt64(7), reader.GetInt64(8), reader.GetInt64(9)));
        }
        return rows;
    }

    /// <summary>The model versions workers have registered.</summary>
    public async Task<IReadOnlyList<string>> ModelVersionsAsync()
    {
        await using var connection = new NpgsqlConnection(_stack.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT name FROM model_versions ORDER BY name", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var names = new List<string>();
        while (await reader.ReadAsync()) names.Add(reader.GetString(0));
        return names;
    }

    /// <summary>Result rows stored so far for the videos' clips (any model version).</summary>
    public async Task<long> ResultCountAsync(IReadOnlyCollection<Guid> videoIds)
    {
        await using var connection = new NpgsqlConnection(_stack.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT count(*) FROM clip_results r JOIN clips c ON c.id = r.clip_id WHERE c.video_id = ANY(@videos)", connection);
        command.Parameters.AddWithValue("videos", videoIds.ToArray());
        return (long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>The registered model versions' names, the active one first.</summary>
    public async Task<IReadOnlyList<string>> ModelVersionNamesAsync()
    {
        await using var connection = new NpgsqlConnection(_stack.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT name FROM model_versions ORDER BY activated_at DESC NULLS LAST, id", connection);
        var names = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) names.Add(reader.GetString(0));
        return names;
    }

    /// <summary>Clip rows recorded so far for a video (the silo writes one per clip as it splits).</summary>
    public async Task<long> ClipRowCountAsync(Guid videoId)
    {
        await using var connection = new NpgsqlConnection(_stack.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT count(*) FROM clips WHERE video_id = @video", connection);
        command.Parameters.AddWithValue("video", videoId);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>Messages waiting in a queue of this run's virtual host and its consumers; null when there is no such queue.</summary>
    public async Task<QueueState?> QueueAsync(string queue)
    {
        _rabbit ??= await new ConnectionFactory { Uri = new Uri(_stack.RabbitMqUrl), ClientProvidedName = "vcp-e2e-tests" }.CreateConnectionAsync();
        await using var channel = await _rabbit.CreateChannelAsync();
        try
        {
            var declared = await channel.QueueDeclarePassiveAsync(queue);
            return new QueueState(declared.MessageCount, declared.ConsumerCount);
        }
        catch (OperationInterruptedException e) when (e.ShutdownReason?.ReplyCode == 404)
        {
            return null;
        }
    }

    /// <summary>Every video completed (not with errors), all of its clips done.</summary>
    /// <param name="statuses">What GET /api/videos/{id} said last.</param>
    /// <param name="clipsPerVideo">How many clips each video must have.</param>
    public static void AssertAllCompleted(IReadOnlyDictionary<Guid, VideoStatus> statuses, IReadOnlyDictionary<Guid, int> clipsPerVideo)
    {
        foreach (var (id, clips) in clipsPerVideo)
        {
            var status = statuses[id];
            Assert.True((status.State, status.Progress.Done, status.Progress.Total, status.Progress.Failed) == (VideoState.Completed, clips, clips, 0),
                $"video {id} ({status.FileName}): {status.State}, {status.Progress.Done}/{status.Progress.Total} done, {status.Progress.Failed} failed, " +
                $"error {status.Error}; expected completed, {clips}/{clips} done");
        }
    }

    /// <summary>
    /// Nothing lost, nothing twice, as PostgreSQL and the API tell it: each video has exactly its clips (indices 0 to n-1),
    /// each analysed, with exactly one result row (its top labels and one answer per world question) under every model
    /// version the workers registered, of which there is one; GET /api/videos/{id}/clips lists the same clips.
    /// </summary>
    /// <param name="clipsPerVideo">How many clips each video must have.</param>
    public async Task AssertEveryClipAnalysedOnceAsync(IReadOnlyDictionary<Guid, int> clipsPerVideo)
    {
        var version = Assert.Single(await ModelVersionsAsync());
        var labels = new WorkerOptions().TopLabels;
        // Uploads that name no questions get the worker's model's own (its labels.json).
        var questions = VideoCoca.Inference.LabelSet.FromJson(File.ReadAllText(Path.Combine(_modelPath, "labels.json"))).Questions.Count;
        var stored = await StoredClipsAsync(clipsPerVideo.Keys.ToList());
        foreach (var (videoId, count) in clipsPerVideo)
        {
            var rows = stored.Where(r => r.VideoId == videoId).ToList();
            Assert.True(rows.Select(r => r.Index).SequenceEqual(Enumerable.Range(0, count)),
                $"video {videoId}: clip rows [{string.Join(", ", rows.Select(r => r.Index))}], expected 0 to {count - 1} once each");
            foreach (var row in rows)
            {
                Assert.True((row.State, row.Results, row.Labels, row.Answers) == ("analysed", 1, labels, questions),
                    $"video {videoId} clip {row.Index} under {row.ModelVersion}: {row.State}, {row.Results} result rows, {row.Labels} labels, " +
                    $"{row.Answers} answers; expected analysed, 1, {labels}, {questions}");
            }
            var listed = await GetClipsAsync(videoId);
            Assert.Equal(rows.Select(r => (r.Index, r.ClipId, version)), listed.Select(c => (c.Index, c.ClipId, c.ModelVersion)));
        }
    }

    /// <summary>No message waiting or dead-lettered: the work queues are drained and the error queues empty (or never made).</summary>
    public async Task AssertQueuesDrainedAsync()
    {
        var versionQueues = (await ModelVersionNamesAsync()).SelectMany(ClipQueues.LanesOf).SelectMany(q => new[] { q, $"{q}_error" });
        foreach (var queue in new[] { AnalyzeQueue, ResultsQueue, $"{AnalyzeQueue}_error", $"{ResultsQueue}_error" }.Concat(versionQueues))
        {
            var state = await QueueAsync(queue);
            Assert.True(state is null || state.Messages == 0, $"queue {queue} holds {state?.Messages} messages");
        }
    }

    /// <summary>Runs the test's checks; whatever fails is reported with the tail of every host's output.</summary>
    public async Task CheckAsync(Func<Task> checks)
    {
        try
        {
            await checks();
        }
        catch (Exception e) when (e is not DiagnosedFailure)
        {
            throw new DiagnosedFailure($"{e.GetType().Name}: {e.Message}\n{Diagnostics()}", e);
        }
    }

    /// <summary>The tail of every host's output.</summary>
    public string Diagnostics()
    {
        var text = new StringBuilder();
        foreach (var host in _hosts)
        {
            text.Append(CultureInfo.InvariantCulture, $"\n===== {host.Name}{(host.HasExited ? " (exited)" : "")}: last lines of its output =====\n");
            text.AppendLine(host.Tail());
        }
        return text.ToString();
    }

    public async ValueTask DisposeAsync()
    {
        Http?.Dispose();
        if (_rabbit is not null)
        {
            await _rabbit.DisposeAsync();
        }
        await Task.WhenAll(_hosts.Select(h => h.DisposeAsync().AsTask()));
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private HostProcess Start(string name, string host, Dictionary<string, string> settings)
    {
        settings["Postgres__ConnectionString"] = _stack.ConnectionString;
        settings["RabbitMq__Url"] = _stack.RabbitMqUrl;
        // Every SQL statement at Information would bury the hosts' own lines.
        settings["Logging__LogLevel__Microsoft.EntityFrameworkCore"] = "Warning";
        settings["Logging__Console__FormatterName"] = "simple";
        settings["Logging__Console__FormatterOptions__SingleLine"] = "true";
        settings["Logging__Console__FormatterOptions__TimestampFormat"] = "HH:mm:ss.fff ";
        var process = HostProcess.Start(name, host, settings, LogFolder);
        _hosts.Add(process);
        return process;
    }

    private async Task<bool> IsSiloActiveAsync(int siloPort)
    {
        await using var connection = new NpgsqlConnection(_stack.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT count(*) FROM orleans_membership WHERE deployment_id = @cluster AND port = @port AND status = @active", connection);
        command.Parameters.AddWithValue("cluster", ClusterId);
        command.Parameters.AddWithValue("port", siloPort);
        command.Parameters.AddWithValue("active", ActiveSilo);
        return (long)(await command.ExecuteScalarAsync())! > 0;
    }

    private DiagnosedFailure Failure(string message) => new($"{message}\n{Diagnostics()}");

    private static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>One clip row and what is stored for it under one model version.</summary>
public sealed record StoredClip(
    Guid VideoId, int Index, Guid ClipId, string State, double Start, double End, string ModelVersion, long Results, long Labels, long Answers);

/// <summary>A queue's ready messages and consumers.</summary>
public sealed record QueueState(uint Messages, uint Consumers);

/// <summary>A failure of the platform under test, with the hosts' output.</summary>
public sealed class DiagnosedFailure(string message, Exception? inner = null) : XunitException(message, inner);
