using System.Security.Claims;
using VideoCoca.Persistence.Entities;

namespace VideoCoca.Gateway.Access;

/// <summary>
/// The rows a request may see: its key's tenant's. Every read of videos, watchlists and webhooks starts here, so that
/// another tenant's row is simply not found (404), never refused (403): a caller learns nothing of what it may not see.
/// </summary>
public static class TenantScope
{
    public static IQueryable<Video> OwnedBy(this IQueryable<Video> videos, ClaimsPrincipal user)
    {
        var tenantId = user.GetTenantId();
        return videos.Where(v => v.TenantId == tenantId);
    }

    public static IQueryable<Watchlist> OwnedBy(this IQueryable<Watchlist> watchlists, ClaimsPrincipal user)
    {
        var tenantId = user.GetTenantId();
        return watchlists.Where(w => w.TenantId == tenantId);
    }

    public static IQueryable<Webhook> OwnedBy(this IQueryable<Webhook> webhooks, ClaimsPrincipal user)
    {
        var tenantId = user.GetTenantId();
        return webhooks.Where(w => w.TenantId == tenantId);
    }

    /// <summary>Clips of the tenant's videos.</summary>
    public static IQueryable<Clip> OwnedBy(this IQueryable<Clip> clips, ClaimsPrincipal user)
    {
        var tenantId = user.GetTenantId();
        return clips.Where(c => c.Video!.TenantId == tenantId);
    }
}
