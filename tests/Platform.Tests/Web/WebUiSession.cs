using System.Net.Http.Headers;
using Microsoft.Playwright;
using VideoCoca.Persistence;
using VideoCoca.Persistence.Hosting;
using VideoCoca.Persistence.Access;
using VideoCoca.Persistence.Entities;
using VideoCoca.Platform.Tests.EndToEnd;
using VideoCoca.Platform.Tests.Infrastructure;
using VideoCoca.UiScreenshots;

namespace VideoCoca.Platform.Tests.Web;

/// <summary>
/// Keys of the default tenant made straight in the run's database (as <c>vcp keys create</c> does), and Debian's
/// chromium signed in through the interface's own sign-in page with one of them.
/// </summary>
public static class WebUiSession
{
    /// <summary>A new key of <paramref name="role"/> in the default tenant.</summary>
    public static async Task<string> CreateKeyAsync(this StackFixture stack, string role)
    {
        await using var db = new ResultsDbContext(ResultsDbContextOptions.Create(stack.ConnectionString));
        var created = await ApiKeyStore.CreateAsync(db, Tenant.DefaultName, role, $"web-test-{role}", createTenant: true, DateTimeOffset.UtcNow);
        return created.Key;
    }

    /// <summary>The platform's HTTP client with an admin key, unless it carries one already.</summary>
    public static async Task<HttpClient> AdminHttpAsync(this RunningPlatform platform, StackFixture stack)
    {
        platform.Http.DefaultRequestHeaders.Authorization ??= new AuthenticationHeaderValue("Bearer", await stack.CreateKeyAsync("admin"));
        return platform.Http;
    }

    public static Uri BaseUrl(this RunningPlatform platform) => platform.Http.BaseAddress!;

    /// <summary>A page of a fresh browser context signed in with <paramref name="key"/>.</summary>
    public static async Task<IPage> SignedInPageAsync(this IBrowser browser, RunningPlatform platform, string key)
    {
        var context = await SystemChromium.SignedInContextAsync(browser, platform.BaseUrl(), key);
        context.SetDefaultTimeout(30_000);
        return await context.NewPageAsync();
    }
}
