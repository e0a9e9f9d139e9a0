using System.Net.Http.Json;
using VideoCoca.Contracts.Api;

namespace VideoCoca.Cli.Platform;

/// <summary>Watchlists and flags.</summary>
public sealed partial class GatewayClient
{
    /// <summary>Makes a watchlist; <paramref name="rules"/> in the API's shape ({"kind": "label", "label", "min_confidence"}, ...).</summary>
    public async Task<WatchlistInfo> CreateWatchlistAsync(string name, IReadOnlyList<Dictionary<string, object>> rules, CancellationToken cancellationToken)
    {
        using var response = await Send(() => _http.PostAsJsonAsync("/api/watchlists", new Dictionary<string, object> { ["name"] = name, ["rules"] = rules }, cancellationToken));
        await EnsureSuccess(response, cancellationToken);
        return (await response.Content.ReadFromJsonAsync<WatchlistInfo>(cancellationToken))!;
    }

    public async Task<IReadOnlyList<WatchlistInfo>> ListWatchlistsAsync(CancellationToken cancellationToken)
    {
        using var response = await Send(() => _http.GetAsync("/api/watchlists", cancellationToken));
        await EnsureSuccess(response, cancellationToken);
        return (await response.Content.ReadFromJsonAsync<List<WatchlistInfo>>(cancellationToken))!;
    }

    public async Task<WatchlistInfo> GetWatchlistAsync(Guid id, CancellationToken cancellationToken)
    {
        using var response = await Send(() => _http.GetAsync($"/api/watchlists/{id}", cancellationToken));
        await EnsureSuccess(response, cancellationToken);
        return (await response.Content.ReadFromJsonAsync<WatchlistInfo>(cancellationToken))!;
    }

    /// <summary>Removes a watchlist with its flags.</summary>
    public async Task DeleteWatchlistAsync(Guid id, CancellationToken cancellationToken)
    {
        using var response = await Send(() => _http.DeleteAsync($"/api/watchlists/{id}", cancellationToken));
        await EnsureSuccess(response, cancellationToken);
    }

    /// <summary>A page of flags, oldest first.</summary>
    public async Task<FlagPage> ListFlagsAsync(string? status, Guid? watchlist, Guid? video, int page, int pageSize, CancellationToken cancellationToken)
    {
        var query = new List<string> { $"page={page}", $"page_size={pageSize}" };
        if (status is not null) query.Add($"status={Uri.EscapeDataString(status)}");
        if (watchlist is { } w) query.Add($"watchlist={w}");
        if (video is { } v) query.Add($"video_id={v}");
        using var response = await Send(() => _http.GetAsync($"/api/flags?{string.Join('&', query)}", cancellationToken));
        await EnsureSuccess(response, cancellationToken);
        return (await response.Content.ReadFromJsonAsync<FlagPage>(cancellationToken))!;
    }

    /// <summary>Confirms, dismisses or reopens a flag, with a note; the reviewer is the request's, else the gateway's default.</summary>
    public async Task<FlagInfo> ReviewFlagAsync(Guid id, string status, string? note, string? reviewer, CancellationToken cancellationToken)
    {
        var body = new Dictionary<string, string?> { ["status"] = status, ["note"] = note, ["reviewer"] = reviewer };
        using var response = await Send(() => _http.PostAsJsonAsync($"/api/flags/{id}", body, cancellationToken));
        await EnsureSuccess(response, cancellationToken);
        return (await response.Content.ReadFromJsonAsync<FlagInfo>(cancellationToken))!;
    }
}
