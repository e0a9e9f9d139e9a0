using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
using VideoCoca.Contracts.Api;

namespace VideoCoca.Cli.Platform;

/// <summary>The gateway's HTTP API as the CLI uses it, with <paramref name="apiKey"/> or else <see cref="LocalApiKey.Resolve"/>.</summary>
public sealed partial class GatewayClient(Uri baseAddress, string? apiKey = null) : IDisposable
{
    /// <summary>VCP_GATEWAY, else the loopback port scripts/platform.sh starts the gateway on (VCP_GATEWAY_PORT, default 5080).</summary>
    public static readonly Uri DefaultAddress = new(Environment.GetEnvironmentVariable("VCP_GATEWAY")
        ?? $"http://127.0.0.1:{Environment.GetEnvironmentVariable("VCP_GATEWAY_PORT") ?? "5080"}");

    private readonly HttpClient _http = new(new ApiKeyHandler(apiKey)) { BaseAddress = baseAddress, Timeout = Timeout.InfiniteTimeSpan };

    public void Dispose() => _http.Dispose();

    public sealed record UploadOptions(double? ClipLength, double? Overlap, int? Frames, IReadOnlyList<string> Questions);

    /// <summary>Streams the file to the gateway (never whole in memory) and returns the new video's id.</summary>
    public async Task<Guid> UploadAsync(string path, UploadOptions options, CancellationToken cancellationToken)
    {
        if (!File.Exists(path)) throw new UserInputException($"no such file: {path}");
        var query = new List<string> { $"name={Uri.EscapeDataString(Path.GetFileName(path))}" };
        if (options.ClipLength is { } length) query.Add($"clip_length={length.ToString(System.Globalization.CultureInfo.InvariantCulture)}");
        if (options.Overlap is { } overlap) query.Add($"overlap={overlap.ToString(System.Globalization.CultureInfo.InvariantCulture)}");
        if (options.Frames is { } frames) query.Add($"frames={frames}");
        query.AddRange(options.Questions.Select(q => $"question={Uri.EscapeDataString(q)}"));
        await using var file = File.OpenRead(path);
        using var content = new StreamContent(file, 1 << 20);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        content.Headers.ContentLength = file.Length;
        using var response = await Send(() => _http.PostAsync($"/api/videos?{string.Join('&', query)}", content, cancellationToken));
        await EnsureSuccess(response, cancellationToken);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
        return body.RootElement.GetProperty("video_id").GetGuid();
    }

    /// <summary>Whether the gateway answers and reports PostgreSQL, RabbitMQ and the cluster ready.</summary>
    public async Task<bool> IsReadyAsync(CancellationToken cancellationToken)
    {
        try
        {
            using var response = await _http.GetAsync("/health/ready", cancellationToken);
            return response.IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

    public async Task<VideoStatus> GetStatusAsync(Guid id, CancellationToken cancellationToken)
    {
        using var response = await Send(() => _http.GetAsync($"/api/videos/{id}", cancellationToken));
        await EnsureSuccess(response, cancellationToken);
        return (await response.Content.ReadFromJsonAsync<VideoStatus>(cancellationToken))!;
    }

    public async Task<IReadOnlyList<ClipResult>> GetClipsAsync(Guid id, CancellationToken cancellationToken)
    {
        using var response = await Send(() => _http.GetAsync($"/api/videos/{id}/clips", cancellationToken));
        await EnsureSuccess(response, cancellationToken);
        var json = await response.Content.ReadAsStringAsync(cancellationToken);
        using var document = JsonDocument.Parse(json);
        // Either a bare array or a paged object with the clips under "clips"/"items".
        var array = document.RootElement.ValueKind == JsonValueKind.Array ? document.RootElement
            : document.RootElement.TryGetProperty("clips", out var clips) ? clips : document.RootElement.GetProperty("items");
        return array.Deserialize<List<ClipResult>>()!;
    }

    /// <summary>
    /// Follows <c>GET /api/videos/{id}/events</c> (Server-Sent Events), reporting every status and progress event, and
    /// returns the finished video's status. Null when the stream ends or breaks before the video is finished (the
    /// caller then polls); a refusal (unknown video) throws.
    /// </summary>
    public async Task<VideoStatus?> FollowEventsAsync(Guid id, Action<VideoStatus> onState, Action<VideoProgress> onProgress, CancellationToken cancellationToken)
    {
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/videos/{id}/events");
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
            using var response = await Send(() => _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken));
            await EnsureSuccess(response, cancellationToken);
            await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
            using var reader = new StreamReader(stream);
            string? name = null;
            var data = new System.Text.StringBuilder();
            while (await reader.ReadLineAsync(cancellationToken) is { } line)
            {
                if (line.Length == 0)
                {
                    if (data.Length > 0 && name == "state")
                    {
                        var status = JsonSerializer.Deserialize<VideoStatus>(data.ToString())!;
                        onState(status);
                        if (IsFinished(status.State)) return status;
                    }
                    else if (data.Length > 0 && name == "progress")
                    {
                        onProgress(JsonSerializer.Deserialize<VideoProgress>(data.ToString())!);
                    }
                    (name, data) = (null, data.Clear());
                }
                else if (line.StartsWith("event:", StringComparison.Ordinal)) name = line[6..].Trim();
                else if (line.StartsWith("data:", StringComparison.Ordinal)) data.Append(line.AsSpan(line.Length > 5 && line[5] == ' ' ? 6 : 5));
                // Anything else (": keep-alive" comments, ids) is not for us.
            }
            return null;
        }
        catch (Exception e) when (e is HttpRequestException or IOException or JsonException && !cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }

    /// <summary>Queues the video's failed clips again (<c>POST /api/videos/{id}/retry</c>); its status after.</summary>
    public async Task<VideoStatus> RetryAsync(Guid id, CancellationToken cancellationToken)
    {
        using var response = await Send(() => _http.PostAsync($"/api/videos/{id}/retry", null, cancellationToken));
        await EnsureSuccess(response, cancellationToken);
        return (await response.Content.ReadFromJsonAsync<VideoStatus>(cancellationToken))!;
    }

    /// <summary>Removes a video with its files and results.</summary>
    public async Task DeleteAsync(Guid id, CancellationToken cancellationToken)
    {
        using var response = await Send(() => _http.DeleteAsync($"/api/videos/{id}", cancellationToken));
        await EnsureSuccess(response, cancellationToken);
    }

    /// <summary>What <c>vcp search</c> asks: the query and the filters it passes on (empty ones left out).</summary>
    public sealed record SearchRequest(
        string Query, string? Mode, IReadOnlyList<Guid> VideoIds, string? Label, double? MinConfidence, int? Limit, bool Rerank);

    /// <summary>GET /api/search; returns the gateway's JSON as sent and its parsed form.</summary>
    public async Task<(string Json, SearchResponse Result)> SearchAsync(SearchRequest request, CancellationToken cancellationToken)
    {
        var query = new List<string> { $"q={Uri.EscapeDataString(request.Query)}" };
        if (request.Mode is { } mode) query.Add($"mode={Uri.EscapeDataString(mode)}");
        query.AddRange(request.VideoIds.Select(v => $"video_id={v}"));
        if (request.Label is { } label) query.Add($"label={Uri.EscapeDataString(label)}");
        if (request.MinConfidence is { } confidence) query.Add($"min_confidence={confidence.ToString(System.Globalization.CultureInfo.InvariantCulture)}");
        if (request.Limit is { } limit) query.Add($"limit={limit}");
        if (request.Rerank) query.Add("rerank=true");
        using var response = await Send(() => _http.GetAsync($"/api/search?{string.Join('&', query)}", cancellationToken));
        await EnsureSuccess(response, cancellationToken);
        var json = await response.Content.ReadAsStringAsync(cancellationToken);
        return (json, JsonSerializer.Deserialize<SearchResponse>(json)!);
    }

    /// <summary>POST /api/videos/{id}/questions; returns the gateway's JSON as sent and its parsed form.</summary>
    public async Task<(string Json, AskResponse Result)> AskAsync(Guid videoId, string question, IReadOnlyList<int> clipIndexes, CancellationToken cancellationToken)
    {
        var body = new Dictionary<string, object> { ["question"] = question };
        if (clipIndexes.Count > 0) body["clip_indexes"] = clipIndexes;
        using var response = await Send(() => _http.PostAsJsonAsync($"/api/videos/{videoId}/questions", body, cancellationToken));
        await EnsureSuccess(response, cancellationToken);
        var json = await response.Content.ReadAsStringAsync(cancellationToken);
        return (json, JsonSerializer.Deserialize<AskResponse>(json)!);
    }

    public static bool IsFinished(VideoState state) =>
        state is VideoState.Completed or VideoState.CompletedWithErrors or VideoState.Failed;

    private static async Task<HttpResponseMessage> Send(Func<Task<HttpResponseMessage>> send)
    {
        try { return await send(); }
        catch (HttpRequestException e) when (e.StatusCode is null)
        {
            throw new UserInputException($"the gateway does not answer ({e.Message}); start the platform with ./vcp up");
        }
    }

    private static async Task EnsureSuccess(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode) return;
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        string? detail = null;
        try
        {
            using var problem = JsonDocument.Parse(body);
            detail = problem.RootElement.TryGetProperty("detail", out var d) ? d.GetString()
                : problem.RootElement.TryGetProperty("title", out var t) ? t.GetString() : null;
        }
        catch (JsonException) { }
        throw new UserInputException($"the gateway answered {(int)response.StatusCode} ({(response.StatusCode == HttpStatusCode.NotFound ? "not found" : response.ReasonPhrase)}): {detail ?? body}");
    }
}
