using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
using VideoCoca.Contracts.Api;

namespace VideoCoca.Cli.Platform;

/// <summary>Campaigns: re-analysing the catalogue under a model version, and the diff against the version before.</summary>
public sealed partial class GatewayClient
{
    /// <summary>Fields the operator left out are left out of the body, so that the gateway applies its own defaults.</summary>
    private static readonly JsonSerializerOptions OmitNulls = new() { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    /// <summary>POST /api/campaigns: the campaign as made (201).</summary>
    public async Task<CampaignInfo> StartCampaignAsync(CampaignRequest request, CancellationToken cancellationToken)
    {
        using var response = await Send(() => _http.PostAsJsonAsync("/api/campaigns", request, OmitNulls, cancellationToken));
        await EnsureSuccess(response, cancellationToken);
        return (await response.Content.ReadFromJsonAsync<CampaignInfo>(cancellationToken))!;
    }

    /// <summary>A page of campaigns, newest first.</summary>
    public async Task<CampaignPage> ListCampaignsAsync(int page, int pageSize, CancellationToken cancellationToken)
    {
        using var response = await Send(() => _http.GetAsync($"/api/campaigns?page={page}&page_size={pageSize}", cancellationToken));
        await EnsureSuccess(response, cancellationToken);
        return (await response.Content.ReadFromJsonAsync<CampaignPage>(cancellationToken))!;
    }

    public async Task<CampaignInfo> GetCampaignAsync(Guid id, CancellationToken cancellationToken)
    {
        using var response = await Send(() => _http.GetAsync($"/api/campaigns/{id}", cancellationToken));
        await EnsureSuccess(response, cancellationToken);
        return (await response.Content.ReadFromJsonAsync<CampaignInfo>(cancellationToken))!;
    }

    /// <summary>POST /api/campaigns/{id}/pause, resume or cancel: the campaign after.</summary>
    public async Task<CampaignInfo> ControlCampaignAsync(Guid id, string action, CancellationToken cancellationToken)
    {
        using var response = await Send(() => _http.PostAsync($"/api/campaigns/{id}/{action}", null, cancellationToken));
        await EnsureSuccess(response, cancellationToken);
        return (await response.Content.ReadFromJsonAsync<CampaignInfo>(cancellationToken))!;
    }

    /// <summary>GET /api/campaigns/{id}/diff with a page of examples of the given change.</summary>
    public async Task<CampaignDiff> GetCampaignDiffAsync(Guid id, string changed, int page, int pageSize, CancellationToken cancellationToken)
    {
        using var response = await Send(() => _http.GetAsync(
            $"/api/campaigns/{id}/diff?changed={Uri.EscapeDataString(changed)}&page={page}&page_size={pageSize}", cancellationToken));
        await EnsureSuccess(response, cancellationToken);
        return (await response.Content.ReadFromJsonAsync<CampaignDiff>(cancellationToken))!;
    }
}
