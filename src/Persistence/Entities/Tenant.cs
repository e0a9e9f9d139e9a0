namespace VideoCoca.Persistence.Entities;

/// <summary>
/// An organisation using the platform: it owns videos (with their clips, results and flags), watchlists and webhooks,
/// and its API keys see only what it owns. Model versions and campaigns are the platform's, not a tenant's.
/// </summary>
public sealed class Tenant
{
    /// <summary>
    /// The tenant the migration that brought tenants created, owning every row that existed before it; also the one
    /// the local stack's own key (<c>vcp up</c>, <c>vcp demo</c>) belongs to.
    /// </summary>
    public static readonly Guid DefaultId = new("00000000-0000-0000-0000-000000000001");

    public const string DefaultName = "default";

    public Guid Id { get; set; }

    /// <summary>Unique; what <c>vcp keys create --tenant</c> names.</summary>
    public required string Name { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}
