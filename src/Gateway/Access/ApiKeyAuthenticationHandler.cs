using System.Globalization;
using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using VideoCoca.Persistence;
using VideoCoca.Persistence.Access;

namespace VideoCoca.Gateway.Access;

/// <summary>
/// The gateway's default authentication: an API key from <c>Authorization: Bearer</c>, else from the <c>vcp_key</c>
/// cookie (the web interface's sign-in sets it; a browser's EventSource cannot send headers). The key's row is read on
/// every request, so a revoked key is refused from the next request on.
/// </summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder,
    IDbContextFactory<ResultsDbContext> contexts, IOptions<AccessOptions> access, TimeProvider clock)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";

    public const string CookieName = "vcp_key";

    private const string PresentedKeyItem = "vcp:key_presented";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var key = PresentedKey(Request);
        if (key is null)
        {
            return AuthenticateResult.NoResult();
        }
        Context.Items[PresentedKeyItem] = true;
        await using var db = await contexts.CreateDbContextAsync(Context.RequestAborted);
        var identity = await ApiKeyStore.AuthenticateAsync(db, key, Context.RequestAborted);
        if (identity is null)
        {
            return AuthenticateResult.Fail("the API key is unknown, malformed or revoked");
        }
        var now = clock.GetUtcNow();
        if (identity.LastUsedAt is not { } last || now - last >= access.Value.LastUsedResolution)
        {
            await ApiKeyStore.MarkUsedAsync(db, identity.KeyId, now, Context.RequestAborted);
        }
        List<Claim> claims =
        [
            new(ClaimTypes.NameIdentifier, identity.KeyId.ToString()),
            new(ClaimTypes.Name, identity.KeyName),
            new(ClaimTypes.Role, identity.Role),
            new(AccessClaims.KeyId, identity.KeyId.ToString()),
            new(AccessClaims.TenantId, identity.TenantId.ToString()),
            new(AccessClaims.Tenant, identity.Tenant),
        ];
        if (identity.RequestsPerMinute is { } perMinute)
        {
            claims.Add(new Claim(AccessClaims.RequestsPerMinute, perMinute.ToString(CultureInfo.InvariantCulture), ClaimValueTypes.Integer32));
        }
        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName, ClaimTypes.Name, ClaimTypes.Role));
        return AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName));
    }

    /// <summary>401 as a problem body, with <c>WWW-Authenticate: Bearer</c> (and <c>error="invalid_token"</c> when a key was presented).</summary>
    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var presented = Context.Items.ContainsKey(PresentedKeyItem);
        Response.Headers[HeaderNames.WWWAuthenticate] = presented
            ? "Bearer error=\"invalid_token\", error_description=\"the API key is unknown, malformed or revoked\""
            : "Bearer";
        var detail = presented
            ? "the API key is unknown, malformed or revoked"
            : "this request needs an API key: Authorization: Bearer vcp_... (vcp keys create makes one)";
        return WriteProblemAsync(StatusCodes.Status401Unauthorized, "Unauthorized", detail);
    }

    /// <summary>403 as a problem body naming the role held.</summary>
    protected override Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        var role = Context.User.FindFirstValue(ClaimTypes.Role) ?? "none";
        return WriteProblemAsync(StatusCodes.Status403Forbidden, "Forbidden", $"a key with the role '{role}' may not do this");
    }

    private Task WriteProblemAsync(int status, string title, string detail) =>
        TypedResults.Problem(detail: detail, statusCode: status, title: title).ExecuteAsync(Context);

    private static string? PresentedKey(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        if (!string.IsNullOrWhiteSpace(header))
        {
            const string bearer = "Bearer ";
            // A header that is not a bearer key counts as a wrong key, not as no key: it must not fall back to the cookie.
            return header.StartsWith(bearer, StringComparison.OrdinalIgnoreCase) ? header[bearer.Length..].Trim() : header;
        }
        return request.Cookies.TryGetValue(CookieName, out var cookie) && !string.IsNullOrWhiteSpace(cookie) ? cookie : null;
    }
}
