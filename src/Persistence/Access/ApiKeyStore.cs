using Microsoft.EntityFrameworkCore;
using Npgsql;
using VideoCoca.Persistence.Entities;

namespace VideoCoca.Persistence.Access;

/// <summary>A key as listings show it: never its secret.</summary>
public sealed record ApiKeyInfo(
    Guid Id, string Tenant, string Name, string Role, string Prefix, DateTimeOffset CreatedAt, DateTimeOffset? RevokedAt,
    DateTimeOffset? LastUsedAt, int? RequestsPerMinute);

/// <summary>A key just made: <see cref="Key"/> is shown once and never again.</summary>
public sealed record CreatedApiKey(ApiKeyInfo Info, string Key);

/// <summary>A presented key that is valid: who is calling.</summary>
public sealed record ApiKeyIdentity(Guid KeyId, string KeyName, string Role, Guid TenantId, string Tenant, int? RequestsPerMinute, DateTimeOffset? LastUsedAt);

/// <summary>Creating, listing, revoking and checking API keys; used by the gateway (its key API, every request) and by <c>vcp keys</c>.</summary>
public static class ApiKeyStore
{
    /// <summary>
    /// Makes a key of <paramref name="role"/> for the tenant named <paramref name="tenantName"/>, creating the tenant when
    /// <paramref name="createTenant"/> (the operator's bootstrap) and refusing an unknown one otherwise.
    /// </summary>
    public static async Task<CreatedApiKey> CreateAsync(
        ResultsDbContext db, string tenantName, string role, string name, bool createTenant, DateTimeOffset at,
        int? requestsPerMinute = null, CancellationToken cancellationToken = default)
    {
        if (!ApiKeyRoles.IsKnown(role))
        {
            throw new ArgumentException($"'{role}' is not a role (one of {string.Join(", ", ApiKeyRoles.Ordered)})", nameof(role));
        }
        var tenant = await db.Tenants.FirstOrDefaultAsync(t => t.Name == tenantName, cancellationToken);
        if (tenant is null)
        {
            if (!createTenant)
            {
                throw new ArgumentException($"there is no tenant '{tenantName}'", nameof(tenantName));
            }
            // Concurrent creators of the same tenant agree on one row.
            await db.Database.ExecuteSqlAsync($"""
                INSERT INTO tenants (id, name, created_at) VALUES ({Guid.CreateVersion7(at)}, {tenantName}, {at}) ON CONFLICT (name) DO NOTHING
                """, cancellationToken);
            tenant = await db.Tenants.SingleAsync(t => t.Name == tenantName, cancellationToken);
        }
        var (key, prefix, hash) = ApiKeySecrets.Create();
        var row = new ApiKey
        {
            Id = Guid.CreateVersion7(at),
            TenantId = tenant.Id,
            Name = name,
            Role = role,
            Prefix = prefix,
            SecretHash = hash,
            CreatedAt = at,
            RequestsPerMinute = requestsPerMinute,
        };
        db.ApiKeys.Add(row);
        await db.SaveChangesAsync(cancellationToken);
        return new CreatedApiKey(Describe(row, tenant.Name), key);
    }

    /// <summary>Keys, newest first: every tenant's (<paramref name="tenantId"/> null, the operator) or one tenant's.</summary>
    public static async Task<IReadOnlyList<ApiKeyInfo>> ListAsync(ResultsDbContext db, Guid? tenantId, CancellationToken cancellationToken = default)
    {
        var rows = await db.ApiKeys.AsNoTracking().Include(k => k.Tenant)
            .Where(k => tenantId == null || k.TenantId == tenantId)
            .OrderByDescending(k => k.CreatedAt).ThenBy(k => k.Id)
            .ToListAsync(cancellationToken);
        return [.. rows.Select(k => Describe(k, k.Tenant!.Name))];
    }

    /// <summary>
    /// Revokes the key with this id or prefix (within <paramref name="tenantId"/> when given); null when there is no such
    /// key. Revoking a revoked key keeps its first revocation time.
    /// </summary>
    public static async Task<ApiKeyInfo?> RevokeAsync(ResultsDbContext db, string idOrPrefix, Guid? tenantId, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        var byId = Guid.TryParse(idOrPrefix, out var id);
        var row = await db.ApiKeys.Include(k => k.Tenant)
            .Where(k => tenantId == null || k.TenantId == tenantId)
            .FirstOrDefaultAsync(k => byId ? k.Id == id : k.Prefix == idOrPrefix, cancellationToken);
        if (row is null)
        {
            return null;
        }
        row.RevokedAt ??= at;
        await db.SaveChangesAsync(cancellationToken);
        return Describe(row, row.Tenant!.Name);
    }

    /// <summary>Who presents <paramref name="key"/>; null for a malformed, unknown or revoked key. Reads the row every time.</summary>
    public static async Task<ApiKeyIdentity?> AuthenticateAsync(ResultsDbContext db, string key, CancellationToken cancellationToken = default)
    {
        if (!ApiKeySecrets.TryParse(key, out var prefix, out var secret))
        {
            return null;
        }
        var row = await db.ApiKeys.AsNoTracking().Include(k => k.Tenant)
            .FirstOrDefaultAsync(k => k.Prefix == prefix && k.RevokedAt == null, cancellationToken);
        if (row is null || !ApiKeySecrets.Matches(secret, row.SecretHash))
        {
            return null;
        }
        return new ApiKeyIdentity(row.Id, row.Name, row.Role, row.TenantId, row.Tenant!.Name, row.RequestsPerMinute, row.LastUsedAt);
    }

    /// <summary>Records that the key was used (callers throttle this: it is a write).</summary>
    public static Task MarkUsedAsync(ResultsDbContext db, Guid keyId, DateTimeOffset at, CancellationToken cancellationToken = default) =>
        db.Database.ExecuteSqlAsync($"UPDATE api_keys SET last_used_at = {at} WHERE id = {keyId}", cancellationToken);

    /// <summary>Whether the exception is the unique name or prefix index refusing a row.</summary>
    public static bool IsDuplicate(DbUpdateException e) => e.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation };

    private static ApiKeyInfo Describe(ApiKey key, string tenant) =>
        new(key.Id, tenant, key.Name, key.Role, key.Prefix, key.CreatedAt, key.RevokedAt, key.LastUsedAt, key.RequestsPerMinute);
}
