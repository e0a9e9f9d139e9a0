namespace VideoCoca.Persistence.Entities;

/// <summary>
/// A key one tenant's callers present as <c>Authorization: Bearer vcp_&lt;prefix&gt;_&lt;secret&gt;</c>. Only the
/// SHA-256 hash of the secret is kept: the secret is 32 random bytes, so a fast hash resists guessing as well as a slow
/// one would, and checking a key on every request stays cheap.
/// </summary>
public sealed class ApiKey
{
    public Guid Id { get; set; }

    public Guid TenantId { get; set; }

    public Tenant? Tenant { get; set; }

    /// <summary>What the key is for ("ci", "alice's laptop").</summary>
    public required string Name { get; set; }

    /// <summary>admin, editor, reviewer or viewer (<see cref="Access.ApiKeyRoles"/>).</summary>
    public required string Role { get; set; }

    /// <summary>The public part of the key (unique), shown in listings so that a key can be told apart without its secret.</summary>
    public required string Prefix { get; set; }

    /// <summary>SHA-256 of the secret part.</summary>
    public required byte[] SecretHash { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>When it was revoked; a revoked key is refused from then on.</summary>
    public DateTimeOffset? RevokedAt { get; set; }

    /// <summary>When a request last presented it (updated at most once a minute).</summary>
    public DateTimeOffset? LastUsedAt { get; set; }

    /// <summary>This key's own rate limit; null for the gateway's Access:RequestsPerMinute.</summary>
    public int? RequestsPerMinute { get; set; }
}
