using System.Security.Claims;

namespace VideoCoca.Gateway.Access;

/// <summary>The claims an API key's principal carries, and how endpoints read them.</summary>
public static class AccessClaims
{
    public const string TenantId = "vcp:tenant_id";
    public const string Tenant = "vcp:tenant";
    public const string KeyId = "vcp:key_id";

    /// <summary>The key's own requests-per-minute override; absent when it takes the gateway's default.</summary>
    public const string RequestsPerMinute = "vcp:requests_per_minute";

    /// <summary>
    /// The tenant whose rows this request may see. Only endpoints behind an access policy call it, so a principal
    /// without the claim is a wiring mistake, not a caller's.
    /// </summary>
    public static Guid GetTenantId(this ClaimsPrincipal user) =>
        Guid.TryParse(user.FindFirstValue(TenantId), out var id) ? id : throw new InvalidOperationException("the request has no tenant: is the endpoint behind an access policy?");

    public static Guid GetKeyId(this ClaimsPrincipal user) =>
        Guid.TryParse(user.FindFirstValue(KeyId), out var id) ? id : throw new InvalidOperationException("the request has no API key");
}
