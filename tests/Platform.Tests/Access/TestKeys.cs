using System.Net.Http.Headers;
using VideoCoca.Persistence;
using VideoCoca.Persistence.Access;
using VideoCoca.Persistence.Entities;
using VideoCoca.Persistence.Hosting;

namespace VideoCoca.Platform.Tests.Access;

/// <summary>API keys made straight in a test's database (as <c>vcp keys create</c> does), and clients that carry them.</summary>
public static class TestKeys
{
    /// <summary>A key of <paramref name="role"/> for <paramref name="tenant"/> (made when new).</summary>
    public static async Task<CreatedApiKey> CreateAsync(
        string connectionString, string tenant, string role, int? requestsPerMinute = null, string? name = null)
    {
        await using var db = new ResultsDbContext(ResultsDbContextOptions.Create(connectionString));
        return await ApiKeyStore.CreateAsync(db, tenant, role, name ?? $"{role} of {tenant}", createTenant: true, DateTimeOffset.UtcNow, requestsPerMinute);
    }

    /// <summary>
    /// An admin key of the default tenant: what every test that talks to a gateway without caring about access uses. Its
    /// own rate limit is far above what a test sends (tests that poll many videos would meet the gateway's default).
    /// </summary>
    public static string DefaultAdmin(string connectionString) =>
        // Blocking, for the synchronous StartGateway; off the test's context, so it cannot deadlock.
        Task.Run(() => CreateAsync(connectionString, Tenant.DefaultName, ApiKeyRoles.Admin, requestsPerMinute: 60_000, name: "tests")).GetAwaiter().GetResult().Key;

    /// <summary>Sets the client's <c>Authorization: Bearer</c> to the key.</summary>
    public static HttpClient WithKey(this HttpClient http, string key)
    {
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return http;
    }

    /// <summary>A new client of the same gateway that carries <paramref name="key"/> (null: no key at all).</summary>
    public static HttpClient ClientWith(Uri gateway, string? key)
    {
        var http = new HttpClient { BaseAddress = gateway, Timeout = TimeSpan.FromMinutes(5) };
        return key is null ? http : http.WithKey(key);
    }
}
