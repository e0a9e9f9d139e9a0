using System.Net.Http.Json;
using VideoCoca.Contracts.Api;

namespace VideoCoca.Cli.Platform;

/// <summary>Model versions: listing them and activating one.</summary>
public sealed partial class GatewayClient
{
    public async Task<ModelVersionList> ListModelVersionsAsync(CancellationToken cancellationToken)
    {
        using var response = await Send(() => _http.GetAsync("/api/models", cancellationToken));
        await EnsureSuccess(response, cancellationToken);
        return (await response.Content.ReadFromJsonAsync<ModelVersionList>(cancellationToken))!;
    }

    /// <summary>Makes a version the active one; <paramref name="force"/> activates it even though it lacks results for part of the catalogue.</summary>
    public async Task<ModelVersionInfo> ActivateModelVersionAsync(string version, bool force, CancellationToken cancellationToken)
    {
        var url = $"/api/models/{Uri.EscapeDataString(version)}/activate{(force ? "?force=true" : "")}";
        using var response = await Send(() => _http.PostAsync(url, null, cancellationToken));
        await EnsureSuccess(response, cancellationToken);
        return (await response.Content.ReadFromJsonAsync<ModelVersionInfo>(cancellationToken))!;
    }
}
