using System.Security.Claims;
using System.Text.Json.Serialization;
using Microsoft.EntityFrameworkCore;
using VideoCoca.Gateway.Http;
using VideoCoca.Persistence;
using VideoCoca.Persistence.Access;

namespace VideoCoca.Gateway.Access;

/// <summary><c>GET /api/me</c> for every key; the tenant's keys for its admins.</summary>
public static class AccessEndpoints
{
    public static void MapAccessEndpoints(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/api/me", (ClaimsPrincipal user) => Results.Ok(new CallerInfo(
                user.FindFirstValue(AccessClaims.Tenant)!, user.FindFirstValue(ClaimTypes.Role)!,
                user.GetKeyId(), user.FindFirstValue(ClaimTypes.Name)!)))
            .WithName("GetMe").WithSummary("Who the key is: its tenant, role, id and name.");

        var keys = routes.MapGroup("/api/keys").RequireAuthorization(AccessPolicies.Admin);
        keys.MapPost("/", CreateAsync).WithName("CreateApiKey")
            .WithSummary("Makes a key of the caller's tenant ({name, role, requests_per_minute?}); its secret is in this answer only.");
        keys.MapGet("/", ListAsync).WithName("ListApiKeys").WithSummary("The tenant's keys, newest first (never their secrets).");
        keys.MapDelete("/{id}", RevokeAsync).WithName("RevokeApiKey").WithSummary("Revokes a key of the tenant: refused from the next request on.");
    }

    private static async Task<IResult> CreateAsync(
        CreateKeyRequest? request, ClaimsPrincipal user, IDbContextFactory<ResultsDbContext> contexts, TimeProvider clock, CancellationToken cancellationToken)
    {
        if (request is null)
        {
            return ApiProblems.Invalid("body", "the body must be a JSON object {\"name\", \"role\"}");
        }
        var name = request.Name?.Trim();
        if (string.IsNullOrEmpty(name) || name.Length > 200)
        {
            return ApiProblems.Invalid("name", "name is required (1 to 200 characters)");
        }
        if (!ApiKeyRoles.IsKnown(request.Role))
        {
            return ApiProblems.Invalid("role", $"role must be one of {string.Join(", ", ApiKeyRoles.Ordered)}");
        }
        if (request.RequestsPerMinute is < 1)
        {
            return ApiProblems.Invalid("requests_per_minute", "requests_per_minute must be at least 1 (or absent for the gateway's default)");
        }
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var created = await ApiKeyStore.CreateAsync(db, user.FindFirstValue(AccessClaims.Tenant)!, request.Role!, name, createTenant: false,
            clock.GetUtcNow(), request.RequestsPerMinute, cancellationToken);
        var info = created.Info;
        return Results.Created($"/api/keys/{info.Id}",
            new CreatedKey(info.Id, info.Tenant, info.Name, info.Role, info.Prefix, info.CreatedAt, info.RequestsPerMinute, created.Key));
    }

    private static async Task<IResult> ListAsync(ClaimsPrincipal user, IDbContextFactory<ResultsDbContext> contexts, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var keys = await ApiKeyStore.ListAsync(db, user.GetTenantId(), cancellationToken);
        return Results.Ok(keys.Select(KeyView.Of).ToList());
    }

    private static async Task<IResult> RevokeAsync(
        string id, ClaimsPrincipal user, IDbContextFactory<ResultsDbContext> contexts, TimeProvider clock, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(id, out var keyId))
        {
            return ApiProblems.MalformedId("key", id);
        }
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var revoked = await ApiKeyStore.RevokeAsync(db, keyId.ToString(), user.GetTenantId(), clock.GetUtcNow(), cancellationToken);
        return revoked is null ? ApiProblems.Unknown("key", keyId) : Results.Ok(KeyView.Of(revoked));
    }
}

/// <summary>The body of <c>GET /api/me</c>.</summary>
public sealed record CallerInfo(
    [property: JsonPropertyName("tenant")] string Tenant,
    [property: JsonPropertyName("role")] string Role,
    [property: JsonPropertyName("key_id")] Guid KeyId,
    [property: JsonPropertyName("key_name")] string KeyName);

/// <summary>The body of <c>POST /api/keys</c>.</summary>
public sealed record CreateKeyRequest(
    [property: JsonPropertyName("name")] string? Name,
    [property: JsonPropertyName("role")] string? Role,
    [property: JsonPropertyName("requests_per_minute")] int? RequestsPerMinute);

/// <summary>A key as the key API shows it: never its secret.</summary>
public sealed record KeyView(
    [property: JsonPropertyName("id")] Guid Id,
    [property: JsonPropertyName("tenant")] string Tenant,
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("role")] string Role,
    [property: JsonPropertyName("prefix")] string Prefix,
    [property: JsonPropertyName("created_at")] DateTimeOffset CreatedAt,
    [property: JsonPropertyName("revoked_at")] DateTimeOffset? RevokedAt,
    [property: JsonPropertyName("last_used_at")] DateTimeOffset? LastUsedAt,
    [property: JsonPropertyName("requests_per_minute")] int? RequestsPerMinute)
{
    public static KeyView Of(ApiKeyInfo key) =>
        new(key.Id, key.Tenant, key.Name, key.Role, key.Prefix, key.CreatedAt, key.RevokedAt, key.LastUsedAt, key.RequestsPerMinute);
}

/// <summary>The answer of <c>POST /api/keys</c>: the key's listing and, this once, the key itself.</summary>
public sealed record CreatedKey(
    [property: JsonPropertyName("id")] Guid Id,
    [property: JsonPropertyName("tenant")] string Tenant,
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("role")] string Role,
    [property: JsonPropertyName("prefix")] string Prefix,
    [property: JsonPropertyName("created_at")] DateTimeOffset CreatedAt,
    [property: JsonPropertyName("requests_per_minute")] int? RequestsPerMinute,
    [property: JsonPropertyName("key")] string Key);
