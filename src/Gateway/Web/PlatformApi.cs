using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace VideoCoca.Gateway.Web;

/// <summary>
/// The web interface's reader of the gateway's own JSON API, on loopback, with the signed-in user's key as the bearer
/// token: pages see exactly what the key may see (tenant, role), through the same endpoints as curl and the CLI, so
/// the interface never grows a second path to the data.
/// </summary>
public sealed class PlatformApi(HttpClient http, IHttpContextAccessor accessor, IServer server)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>GET a JSON resource; null when the API answered 404.</summary>
    public async Task<T?> GetAsync<T>(string pathAndQuery, CancellationToken cancellationToken = default) where T : class
    {
        using var response = await SendAsync(HttpMethod.Get, pathAndQuery, cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound) return null;
        await EnsureSuccessAsync(response, cancellationToken);
        return await response.Content.ReadFromJsonAsync<T>(Json, cancellationToken);
    }

    /// <summary>
    /// Who the key is (GET /api/me): its tenant and role; <see cref="UiIdentity.Anonymous"/> without a valid key.
    /// </summary>
    public async Task<UiIdentity> GetIdentityAsync(CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrEmpty(Key)) return UiIdentity.Anonymous;
        using var response = await SendAsync(HttpMethod.Get, "/api/me", cancellationToken);
        if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden) return UiIdentity.Anonymous;
        await EnsureSuccessAsync(response, cancellationToken);
        var me = await response.Content.ReadFromJsonAsync<MeResponse>(Json, cancellationToken);
        return new UiIdentity(true, me?.Tenant, UiRoles.Parse(me?.Role));
    }

    /// <summary>The signed-in key, from the cookie the sign-in page sets.</summary>
    private string? Key => accessor.HttpContext?.Request.Cookies[SignInEndpoints.KeyCookie];

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string pathAndQuery, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, new Uri(LoopbackBase(), pathAndQuery));
        if (!string.IsNullOrEmpty(Key))
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Key);
        }
        return await http.SendAsync(request, cancellationToken);
    }

    private static async Task EnsureSuccessAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode) return;
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        string? detail = null;
        try
        {
            using var problem = JsonDocument.Parse(body);
            if (problem.RootElement.TryGetProperty("detail", out var d)) detail = d.GetString();
        }
        catch (JsonException)
        {
        }
        throw new PlatformApiException(response.StatusCode, detail ?? $"{(int)response.StatusCode} {response.ReasonPhrase}");
    }

    /// <summary>Where this gateway listens, as a loopback address (a wildcard host is reached on 127.0.0.1).</summary>
    private Uri LoopbackBase()
    {
        var addresses = server.Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        var address = addresses.FirstOrDefault(a => a.StartsWith("http://", StringComparison.OrdinalIgnoreCase)) ?? addresses.FirstOrDefault()
            ?? throw new InvalidOperationException("the gateway listens on no address");
        var uri = new UriBuilder(address.Replace("://+", "://127.0.0.1").Replace("://*", "://127.0.0.1").Replace("://[::]", "://127.0.0.1").Replace("://0.0.0.0", "://127.0.0.1"));
        return uri.Uri;
    }

    private sealed record MeResponse(
        [property: JsonPropertyName("tenant")] string? Tenant,
        [property: JsonPropertyName("role")] string? Role);
}

/// <summary>The API refused or failed a request the interface made; <see cref="Exception.Message"/> is its problem's detail.</summary>
public sealed class PlatformApiException(HttpStatusCode status, string detail) : Exception(detail)
{
    public HttpStatusCode Status { get; } = status;
}
