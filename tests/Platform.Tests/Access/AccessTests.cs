using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Pgvector;
using VideoCoca.Contracts.Api;
using VideoCoca.Gateway.Hosting;
using VideoCoca.Persistence;
using VideoCoca.Persistence.Access;
using VideoCoca.Persistence.Entities;
using VideoCoca.Persistence.Hosting;
using VideoCoca.Persistence.Search;
using VideoCoca.Persistence.Watch;
using VideoCoca.Platform.Tests.Infrastructure;
using ClipResult = VideoCoca.Persistence.Entities.ClipResult;

namespace VideoCoca.Platform.Tests.Access;

/// <summary>
/// API keys against a gateway of its own on a database of its own: what each role may call, tenants that never see each
/// other's rows, a revoked or wrong key refused, and the per-key rate limit. Rows are seeded in the database (no silo or
/// worker), so each check is about access alone.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class AccessTests(PrivateStackFixture own) : IAsyncLifetime, IClassFixture<PrivateStackFixture>
{
    // A database of its own: the model version seeded here must not be seen by the end-to-end tests, which expect one.
    private readonly StackFixture stack = own.Stack;

    private static readonly string[] Roles = [ApiKeyRoles.Viewer, ApiKeyRoles.Reviewer, ApiKeyRoles.Editor, ApiKeyRoles.Admin];

    private readonly string _folder = Directory.CreateTempSubdirectory("vcp-access-tests-").FullName;
    private WebApplication? _app;
    private Uri _address = null!;

    public async Task InitializeAsync()
    {
        _app = GatewayApp.Build([
            "--urls=http://127.0.0.1:0",
            $"--Postgres:ConnectionString={stack.ConnectionString}",
            $"--RabbitMq:Url={stack.RabbitMqUrl}",
            $"--Gateway:BlobRoot={Path.Combine(_folder, "blobs")}",
            $"--Orleans:ClusterId=access-tests-{Guid.NewGuid():N}",
            "--Orleans:ReconnectDelay=00:00:01",
            "--Logging:LogLevel:Default=Warning",
        ]);
        await _app.StartAsync();
        _address = new Uri(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single());
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
        Directory.Delete(_folder, recursive: true);
    }

    /// <summary>One request of an endpoint group, the lowest role that may make it, and what that role then gets.</summary>
    public sealed record Call(string Method, string Path, string LowestRole, HttpStatusCode Allowed, object? Body = null);

    [Fact(Timeout = 300_000)]
    public async Task EachRoleGetsWhatItsRoleAllowsAndA403ForTheRest()
    {
        var tenant = $"roles-{Guid.NewGuid():N}"[..20];
        var keys = new Dictionary<string, string>();
        foreach (var role in Roles)
        {
            keys[role] = (await TestKeys.CreateAsync(stack.ConnectionString, tenant, role)).Key;
        }
        var unknown = Guid.NewGuid();
        Call[] calls =
        [
            new("GET", "/api/me", ApiKeyRoles.Viewer, HttpStatusCode.OK),
            new("GET", "/api/videos", ApiKeyRoles.Viewer, HttpStatusCode.OK),
            new("GET", $"/api/videos/{unknown}", ApiKeyRoles.Viewer, HttpStatusCode.NotFound),
            new("GET", $"/api/videos/{unknown}/clips", ApiKeyRoles.Viewer, HttpStatusCode.NotFound),
            new("GET", $"/api/videos/{unknown}/events", ApiKeyRoles.Viewer, HttpStatusCode.NotFound),
            new("GET", $"/api/videos/{unknown}/clips/0/similar", ApiKeyRoles.Viewer, HttpStatusCode.NotFound),
            new("POST", $"/api/videos/{unknown}/questions", ApiKeyRoles.Viewer, HttpStatusCode.NotFound, new { question = "what color is the square?" }),
            new("GET", "/api/search?q=square&mode=text&model_version=no-such-version", ApiKeyRoles.Viewer, HttpStatusCode.BadRequest),
            new("GET", "/api/watchlists", ApiKeyRoles.Viewer, HttpStatusCode.OK),
            new("GET", "/api/flags", ApiKeyRoles.Viewer, HttpStatusCode.OK),
            new("POST", $"/api/flags/{unknown}", ApiKeyRoles.Reviewer, HttpStatusCode.NotFound, new { status = "confirmed" }),
            new("POST", "/api/videos", ApiKeyRoles.Editor, HttpStatusCode.UnsupportedMediaType),
            new("DELETE", $"/api/videos/{unknown}", ApiKeyRoles.Editor, HttpStatusCode.NotFound),
            new("POST", $"/api/videos/{unknown}/retry", ApiKeyRoles.Editor, HttpStatusCode.NotFound),
            new("POST", "/api/watchlists", ApiKeyRoles.Editor, HttpStatusCode.Created, new { name = "reds", rules = new[] { new { kind = "phrase", phrase = "red" } } }),
            new("DELETE", $"/api/watchlists/{unknown}", ApiKeyRoles.Editor, HttpStatusCode.NotFound),
            new("GET", "/api/webhooks", ApiKeyRoles.Editor, HttpStatusCode.OK),
            new("POST", "/api/webhooks", ApiKeyRoles.Editor, HttpStatusCode.Created, new { url = "http://127.0.0.1:9/hook", events = new[] { "video.completed" } }),
            new("GET", "/api/models", ApiKeyRoles.Admin, HttpStatusCode.OK),
            new("GET", "/api/campaigns", ApiKeyRoles.Admin, HttpStatusCode.OK),
            new("GET", $"/api/campaigns/{unknown}/diff", ApiKeyRoles.Admin, HttpStatusCode.NotFound),
            new("GET", "/api/keys", ApiKeyRoles.Admin, HttpStatusCode.OK),
            new("POST", "/api/keys", ApiKeyRoles.Admin, HttpStatusCode.Created, new { name = "ci", role = "viewer" }),
        ];
        var failures = new List<string>();
        foreach (var role in Roles)
        {
            using var http = TestKeys.ClientWith(_address, keys[role]);
            foreach (var call in calls)
            {
                var mayCall = ApiKeyRoles.Includes(role, call.LowestRole);
                var expected = mayCall ? call.Allowed : HttpStatusCode.Forbidden;
                using var response = await SendAsync(http, call);
                if (response.StatusCode != expected)
                {
                    failures.Add($"{role} {call.Method} {call.Path}: {(int)response.StatusCode}, expected {(int)expected}");
                }
                else if (!mayCall)
                {
                    var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
                    Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
                    Assert.Contains($"'{role}'", problem.GetProperty("detail").GetString());
                }
            }
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));

        using var viewer = TestKeys.ClientWith(_address, keys[ApiKeyRoles.Viewer]);
        var me = await viewer.GetFromJsonAsync<JsonElement>("/api/me");
        Assert.Equal(tenant, me.GetProperty("tenant").GetString());
        Assert.Equal("viewer", me.GetProperty("role").GetString());
        Assert.Equal($"viewer of {tenant}", me.GetProperty("key_name").GetString());
        Assert.True(me.GetProperty("key_id").TryGetGuid(out _));
    }

    /// <summary>Every /api endpoint the gateway maps is behind a role policy; the health endpoints are not.</summary>
    [Fact]
    public void EveryApiEndpointNeedsARoleAndHealthNeedsNone()
    {
        var endpoints = _app!.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>().ToList();
        var api = endpoints.Where(e => e.RoutePattern.RawText?.TrimStart('/').StartsWith("api/", StringComparison.Ordinal) == true).ToList();
        Assert.True(api.Count >= 30, $"only {api.Count} /api endpoints found");
        var open = api.Where(e => !e.Metadata.GetOrderedMetadata<IAuthorizeData>().Any(a => Roles.Contains(a.Policy))).Select(e => e.DisplayName).ToList();
        Assert.True(open.Count == 0, "endpoints without a role policy: " + string.Join(", ", open));
        foreach (var health in endpoints.Where(e => e.RoutePattern.RawText?.StartsWith("/health", StringComparison.Ordinal) == true))
        {
            Assert.Empty(health.Metadata.GetOrderedMetadata<IAuthorizeData>());
        }
    }

    [Fact(Timeout = 300_000)]
    public async Task TwoTenantsNeverSeeEachOthersVideosClipsSearchHitsFlagsWatchlistsOrWebhooks()
    {
        // One version for both: each clip's result is where the other tenant's search and watchlist would find it.
        var version = await SeedVersionAsync();
        var acme = await SeedTenantAsync("acme", "a large red square moves left", version);
        var globex = await SeedTenantAsync("globex", "a large red square moves right", version);
        using var acmeHttp = TestKeys.ClientWith(_address, acme.Key);
        using var globexHttp = TestKeys.ClientWith(_address, globex.Key);

        // Each made a phrase watchlist and a webhook through the API.
        foreach (var (http, tenant) in new[] { (acmeHttp, acme), (globexHttp, globex) })
        {
            using var list = await http.PostAsJsonAsync("/api/watchlists", new { name = "reds", rules = new[] { new { kind = "phrase", phrase = "red square" } } });
            Assert.Equal(HttpStatusCode.Created, list.StatusCode);
            tenant.WatchlistId = (await list.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
            using var hook = await http.PostAsJsonAsync("/api/webhooks", new { url = "http://127.0.0.1:9/hook", events = new[] { "clip.flagged" } });
            Assert.Equal(HttpStatusCode.Created, hook.StatusCode);
            tenant.WebhookId = (await hook.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        }
        // Both clips' results matched against every list, as a worker does when it writes them: both captions meet both
        // lists' phrase, yet each list flags its own tenant's clip only.
        await using (var db = Context())
        {
            await using var transaction = await db.Database.BeginTransactionAsync();
            // (The gateway's catalogue pass over the new lists may have raised some of them first: a flag is raised once.)
            await WatchlistMatcher.FlagAsync(db, version.Id, [acme.ClipId, globex.ClipId], watchlistId: null, DateTimeOffset.UtcNow, CancellationToken.None);
            await transaction.CommitAsync();
        }

        foreach (var (http, mine, theirs) in new[] { (acmeHttp, acme, globex), (globexHttp, globex, acme) })
        {
            var videos = await http.GetFromJsonAsync<JsonElement>("/api/videos");
            Assert.Equal([mine.VideoId], videos.GetProperty("items").EnumerateArray().Select(v => v.GetProperty("video_id").GetGuid()).ToArray());
            Assert.Equal(1, videos.GetProperty("total").GetInt32());
            Assert.Equal(HttpStatusCode.OK, await StatusAsync(http, HttpMethod.Get, $"/api/videos/{mine.VideoId}"));
            Assert.Equal(HttpStatusCode.OK, await StatusAsync(http, HttpMethod.Get, $"/api/videos/{mine.VideoId}/clips"));
            foreach (var (method, path, body) in new (HttpMethod, string, object?)[]
            {
                (HttpMethod.Get, $"/api/videos/{theirs.VideoId}", null),
                (HttpMethod.Get, $"/api/videos/{theirs.VideoId}/clips", null),
                (HttpMethod.Get, $"/api/videos/{theirs.VideoId}/clips/0/thumbnail", null),
                (HttpMethod.Get, $"/api/videos/{theirs.VideoId}/clips/0/similar", null),
                (HttpMethod.Get, $"/api/videos/{theirs.VideoId}/events", null),
                (HttpMethod.Post, $"/api/videos/{theirs.VideoId}/questions", new { question = "what color is the square?" }),
                (HttpMethod.Post, $"/api/videos/{theirs.VideoId}/labels", new { labels = new[] { "moving left" } }),
                (HttpMethod.Post, $"/api/videos/{theirs.VideoId}/retry", null),
                (HttpMethod.Delete, $"/api/videos/{theirs.VideoId}", null),
                (HttpMethod.Get, $"/api/watchlists/{theirs.WatchlistId}", null),
                (HttpMethod.Delete, $"/api/watchlists/{theirs.WatchlistId}", null),
                (HttpMethod.Get, $"/api/webhooks/{theirs.WebhookId}", null),
                (HttpMethod.Get, $"/api/webhooks/{theirs.WebhookId}/deliveries", null),
                (HttpMethod.Delete, $"/api/webhooks/{theirs.WebhookId}", null),
            })
            {
                Assert.True(await StatusAsync(http, method, path, body) == HttpStatusCode.NotFound, $"{mine.Name}: {method} {path} is not 404");
            }

            // Search: both captions say "red square"; each tenant finds its own clip only.
            var search = await http.GetFromJsonAsync<JsonElement>($"/api/search?q=red%20square&mode=text&model_version={version.Name}");
            Assert.Equal([mine.VideoId], search.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("video_id").GetGuid()).ToArray());
            var filtered = await http.GetFromJsonAsync<JsonElement>($"/api/search?q=red%20square&mode=text&model_version={version.Name}&video_id={theirs.VideoId}");
            Assert.Empty(filtered.GetProperty("items").EnumerateArray());

            // Watchlists, flags and their review.
            var lists = await http.GetFromJsonAsync<JsonElement>("/api/watchlists");
            Assert.Equal([mine.WatchlistId], lists.EnumerateArray().Select(l => l.GetProperty("id").GetGuid()).ToArray());
            var flags = (await http.GetFromJsonAsync<JsonElement>("/api/flags")).GetProperty("items").EnumerateArray().ToList();
            Assert.Single(flags);
            Assert.All(flags, f => Assert.Equal(mine.VideoId, f.GetProperty("video_id").GetGuid()));
            Assert.All(flags, f => Assert.Equal(mine.WatchlistId, f.GetProperty("watchlist_id").GetGuid()));
            List<Flag> theirFlags;
            await using (var db = Context())
            {
                theirFlags = await db.Flags.Where(f => f.WatchlistId == theirs.WatchlistId).ToListAsync();
            }
            Assert.Single(theirFlags);
            foreach (var flag in theirFlags)
            {
                Assert.Equal(HttpStatusCode.NotFound, await StatusAsync(http, HttpMethod.Get, $"/api/flags/{flag.Id}"));
                Assert.Equal(HttpStatusCode.NotFound, await StatusAsync(http, HttpMethod.Post, $"/api/flags/{flag.Id}", new { status = "dismissed" }));
            }
            Assert.Empty((await http.GetFromJsonAsync<JsonElement>($"/api/flags?video_id={theirs.VideoId}")).GetProperty("items").EnumerateArray());

            // Webhooks, and the clip.flagged events their deliveries carry: only the tenant's own flags.
            var hooks = await http.GetFromJsonAsync<JsonElement>("/api/webhooks");
            Assert.Equal([mine.WebhookId], hooks.EnumerateArray().Select(h => h.GetProperty("id").GetGuid()).ToArray());
            var deliveries = (await http.GetFromJsonAsync<JsonElement>($"/api/webhooks/{mine.WebhookId}/deliveries")).GetProperty("items").EnumerateArray().ToList();
            Assert.Single(deliveries);
            await using var read = Context();
            var eventIds = deliveries.Select(d => d.GetProperty("event_id").GetGuid()).ToList();
            var bodies = read.WebhookEvents.Where(e => eventIds.Contains(e.Id)).Select(e => e.Body).ToList();
            Assert.All(bodies, body => Assert.Equal(mine.VideoId, JsonDocument.Parse(body).RootElement.GetProperty("data").GetProperty("video_id").GetGuid()));
        }
        // Nothing of the other's was changed by the refused deletes and reviews.
        await using (var db = Context())
        {
            Assert.Equal(2, db.Videos.Count(v => v.Id == acme.VideoId || v.Id == globex.VideoId));
            Assert.Equal(2, db.Webhooks.Count(w => w.Id == acme.WebhookId || w.Id == globex.WebhookId));
            Assert.All(db.Flags.Where(f => f.WatchlistId == acme.WatchlistId || f.WatchlistId == globex.WatchlistId).ToList(), f => Assert.Equal(FlagStatus.Open, f.Status));
        }
    }

    [Fact(Timeout = 120_000)]
    public async Task AMissingOrWrongKeyIs401AndTheCookieCarriesAKeyToo()
    {
        var key = (await TestKeys.CreateAsync(stack.ConnectionString, $"cookie-{Guid.NewGuid():N}"[..20], ApiKeyRoles.Viewer)).Key;
        using var anonymous = TestKeys.ClientWith(_address, null);
        using var none = await anonymous.GetAsync("/api/videos");
        Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
        Assert.Equal("Bearer", none.Headers.WwwAuthenticate.Single().Scheme);
        Assert.Equal("application/problem+json", none.Content.Headers.ContentType?.MediaType);
        Assert.Equal(401, (await none.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetInt32());

        Assert.True(ApiKeySecrets.TryParse(key, out var prefix, out var secret));
        var wrongSecret = $"vcp_{prefix}_{(secret[0] == 'A' ? 'B' : 'A')}{secret[1..]}";
        foreach (var wrong in new[] { wrongSecret, "vcp_000000000000_nothing", "not-a-key", key + "x" })
        {
            using var http = TestKeys.ClientWith(_address, wrong);
            using var response = await http.GetAsync("/api/me");
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Contains("invalid_token", response.Headers.WwwAuthenticate.Single().Parameter);
        }
        // A header that is not a bearer key is a wrong key: it does not fall back to the cookie.
        using (var basic = new HttpRequestMessage(HttpMethod.Get, "/api/me"))
        {
            basic.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Basic", "dXNlcjpwYXNz");
            basic.Headers.Add("Cookie", $"vcp_key={key}");
            using var response = await anonymous.SendAsync(basic);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }
        // The health endpoints need no key.
        using (var live = await anonymous.GetAsync("/health/live"))
        {
            Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        }
        // The web interface's cookie: the same key, no header (what a browser's EventSource sends).
        using var cookie = new HttpRequestMessage(HttpMethod.Get, "/api/me");
        cookie.Headers.Add("Cookie", $"vcp_key={key}");
        using var me = await anonymous.SendAsync(cookie);
        Assert.Equal(HttpStatusCode.OK, me.StatusCode);
        Assert.Equal("viewer", (await me.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("role").GetString());
    }

    [Fact(Timeout = 120_000)]
    public async Task ARevokedKeyIsRefusedFromTheNextRequestOn()
    {
        var tenant = $"revoke-{Guid.NewGuid():N}"[..20];
        var admin = (await TestKeys.CreateAsync(stack.ConnectionString, tenant, ApiKeyRoles.Admin)).Key;
        using var adminHttp = TestKeys.ClientWith(_address, admin);
        using var created = await adminHttp.PostAsJsonAsync("/api/keys", new { name = "laptop", role = "editor" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var made = await created.Content.ReadFromJsonAsync<JsonElement>();
        var keyId = made.GetProperty("id").GetGuid();
        var editorKey = made.GetProperty("key").GetString()!;
        Assert.StartsWith($"vcp_{made.GetProperty("prefix").GetString()}_", editorKey);

        using var editor = TestKeys.ClientWith(_address, editorKey);
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(editor, HttpMethod.Get, "/api/me"));
        var listed = await adminHttp.GetFromJsonAsync<JsonElement>("/api/keys");
        var row = listed.EnumerateArray().Single(k => k.GetProperty("id").GetGuid() == keyId);
        Assert.False(row.TryGetProperty("key", out _));
        Assert.Equal(JsonValueKind.Null, row.GetProperty("revoked_at").ValueKind);
        Assert.NotEqual(JsonValueKind.Null, row.GetProperty("last_used_at").ValueKind);

        // An admin of another tenant cannot see or revoke it.
        var stranger = (await TestKeys.CreateAsync(stack.ConnectionString, $"other-{Guid.NewGuid():N}"[..20], ApiKeyRoles.Admin)).Key;
        using var strangerHttp = TestKeys.ClientWith(_address, stranger);
        Assert.Equal(HttpStatusCode.NotFound, await StatusAsync(strangerHttp, HttpMethod.Delete, $"/api/keys/{keyId}"));
        Assert.DoesNotContain((await strangerHttp.GetFromJsonAsync<JsonElement>("/api/keys")).EnumerateArray(), k => k.GetProperty("id").GetGuid() == keyId);
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(editor, HttpMethod.Get, "/api/me"));

        Assert.Equal(HttpStatusCode.OK, await StatusAsync(adminHttp, HttpMethod.Delete, $"/api/keys/{keyId}"));
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(editor, HttpMethod.Get, "/api/me"));
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(editor, HttpMethod.Get, "/api/videos"));

        // The operator's revocation (vcp keys revoke: by prefix, straight in the database) is just as immediate.
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(strangerHttp, HttpMethod.Get, "/api/me"));
        Assert.True(ApiKeySecrets.TryParse(stranger, out var strangerPrefix, out _));
        await using (var db = Context())
        {
            Assert.NotNull(await ApiKeyStore.RevokeAsync(db, strangerPrefix, tenantId: null, DateTimeOffset.UtcNow));
        }
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(strangerHttp, HttpMethod.Get, "/api/me"));
    }

    [Fact(Timeout = 120_000)]
    public async Task TheOpenApiDocumentDeclaresTheKeyAndRequiresItOnEveryApiOperation()
    {
        using var http = TestKeys.ClientWith(_address, key: null);
        using var document = JsonDocument.Parse(await http.GetStringAsync("/openapi/v1.json"));
        var scheme = document.RootElement.GetProperty("components").GetProperty("securitySchemes").GetProperty("api_key");
        Assert.Equal(("http", "bearer"), (scheme.GetProperty("type").GetString(), scheme.GetProperty("scheme").GetString()));
        var operations = 0;
        foreach (var path in document.RootElement.GetProperty("paths").EnumerateObject())
        {
            foreach (var operation in path.Value.EnumerateObject().Where(o => o.Value.ValueKind == JsonValueKind.Object && o.Value.TryGetProperty("responses", out _)))
            {
                var secured = operation.Value.TryGetProperty("security", out var security)
                    && security.EnumerateArray().Any(r => r.TryGetProperty("api_key", out _));
                Assert.True(secured == path.Name.StartsWith("/api/", StringComparison.Ordinal),
                    $"{operation.Name.ToUpperInvariant()} {path.Name}: {(secured ? "requires" : "does not require")} the key");
                operations++;
            }
        }
        Assert.True(operations > 30, $"only {operations} operations in the document");
    }

    [Fact(Timeout = 180_000)]
    public async Task TheOperatorsVcpKeysMakesAKeyThatWorksListsItAndRevokesIt()
    {
        var tenant = $"cli-{Guid.NewGuid():N}"[..20];
        var created = await VcpAsync("keys", "create", "--tenant", tenant, "--role", "reviewer", "--name", "moderation desk");
        Assert.True(created.ExitCode == 0, created.Error);
        // The key alone on the last line, for scripts: `vcp keys create ... | tail -n 1`.
        var key = created.Output.TrimEnd().Split('\n')[^1];
        Assert.True(ApiKeySecrets.TryParse(key, out var prefix, out _), $"last line is not a key: {key}");

        using var http = TestKeys.ClientWith(_address, key);
        var me = await http.GetFromJsonAsync<JsonElement>("/api/me");
        Assert.Equal((tenant, "reviewer"), (me.GetProperty("tenant").GetString(), me.GetProperty("role").GetString()));

        var listed = await VcpAsync("keys", "list", "--json");
        Assert.True(listed.ExitCode == 0, listed.Error);
        var row = JsonDocument.Parse(listed.Output).RootElement.EnumerateArray().Single(k => k.GetProperty("prefix").GetString() == prefix);
        Assert.Equal((tenant, "reviewer", "moderation desk"), (row.GetProperty("tenant").GetString(), row.GetProperty("role").GetString(), row.GetProperty("name").GetString()));
        Assert.DoesNotContain(key, listed.Output);

        var wrongRole = await VcpAsync("keys", "create", "--tenant", tenant, "--role", "owner");
        Assert.NotEqual(0, wrongRole.ExitCode);
        Assert.Contains("--role must be one of", wrongRole.Error);

        var revoked = await VcpAsync("keys", "revoke", prefix);
        Assert.True(revoked.ExitCode == 0, revoked.Error);
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(http, HttpMethod.Get, "/api/me"));
        var unknown = await VcpAsync("keys", "revoke", "nosuchkey");
        Assert.NotEqual(0, unknown.ExitCode);
        Assert.Contains("there is no key", unknown.Error);
    }

    /// <summary>Runs <c>vcp</c> as an operator would, against this class's database.</summary>
    private async Task<(int ExitCode, string Output, string Error)> VcpAsync(params string[] args)
    {
        var start = new System.Diagnostics.ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(VideoCoca.Platform.Tests.EndToEnd.HostBuildOutputs.EntryAssembly(VideoCoca.Platform.Tests.EndToEnd.HostBuildOutputs.Cli));
        foreach (var arg in args) start.ArgumentList.Add(arg);
        start.Environment["VCP_POSTGRES"] = stack.ConnectionString;
        using var process = System.Diagnostics.Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await output, await error);
    }

    [Fact(Timeout = 120_000)]
    public async Task AnEventsStreamOpenedWithAKeyEndsWithARevokedEventOnceTheKeyIsRevoked()
    {
        var tenantName = $"stream-{Guid.NewGuid():N}"[..20];
        var created = await TestKeys.CreateAsync(stack.ConnectionString, tenantName, ApiKeyRoles.Viewer);
        var videoId = Guid.NewGuid();
        await using (var db = Context())
        {
            var now = DateTimeOffset.UtcNow;
            db.Videos.Add(new Video
            {
                Id = videoId, TenantId = db.Tenants.Single(t => t.Name == tenantName).Id, FileName = "long.mp4", BlobPath = "videos/long.mp4",
                SizeBytes = 1000, DurationSeconds = 40, State = VideoState.Analysing, ClipLengthSeconds = 4, FramesPerClip = 8,
                CreatedAt = now, UpdatedAt = now, ClipsTotal = 10,
            });
            await db.SaveChangesAsync();
        }
        using var http = TestKeys.ClientWith(_address, created.Key);
        using var response = await http.GetAsync($"/api/videos/{videoId}/events", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        Assert.Equal("event: state", await reader.ReadLineAsync());

        // The video is still being analysed: only the revocation can end this stream.
        Assert.True(ApiKeySecrets.TryParse(created.Key, out var prefix, out _));
        await using (var db = Context())
        {
            Assert.NotNull(await ApiKeyStore.RevokeAsync(db, prefix, tenantId: null, DateTimeOffset.UtcNow));
        }
        var events = new List<string>();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (await reader.ReadLineAsync(deadline.Token) is { } line)
        {
            if (line.StartsWith("event: ", StringComparison.Ordinal)) events.Add(line["event: ".Length..]);
        }
        Assert.Equal(["revoked"], events);
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(http, HttpMethod.Get, $"/api/videos/{videoId}/events"));
    }

    [Fact(Timeout = 120_000)]
    public async Task AKeyOverItsRateLimitGets429WithRetryAfterAndOtherKeysGoOn()
    {
        var tenant = $"limits-{Guid.NewGuid():N}"[..20];
        var limited = (await TestKeys.CreateAsync(stack.ConnectionString, tenant, ApiKeyRoles.Viewer, requestsPerMinute: 3)).Key;
        var other = (await TestKeys.CreateAsync(stack.ConnectionString, tenant, ApiKeyRoles.Viewer)).Key;
        using var http = TestKeys.ClientWith(_address, limited);
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.OK, await StatusAsync(http, HttpMethod.Get, "/api/me"));
        }
        using var refused = await http.GetAsync("/api/videos");
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        var retryAfter = refused.Headers.RetryAfter?.Delta;
        Assert.NotNull(retryAfter);
        Assert.InRange(retryAfter.Value.TotalSeconds, 1, 60);
        var problem = await refused.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(429, problem.GetProperty("status").GetInt32());
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);

        using var otherHttp = TestKeys.ClientWith(_address, other);
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(otherHttp, HttpMethod.Get, "/api/me"));
        // The health endpoints are not counted against anyone.
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(http, HttpMethod.Get, "/health/live"));
    }

    private sealed class SeededTenant(string name, string key)
    {
        public string Name { get; } = name;
        public string Key { get; } = key;
        public Guid VideoId { get; init; }
        public Guid ClipId { get; init; }
        public Guid WatchlistId { get; set; }
        public Guid WebhookId { get; set; }
    }

    private async Task<ModelVersion> SeedVersionAsync()
    {
        await using var db = Context();
        var version = new ModelVersion { Name = $"access-{Guid.NewGuid():N}"[..20], Checksum = "sha256:0a", CreatedAt = DateTimeOffset.UtcNow, EmbeddingDimension = 2 };
        db.ModelVersions.Add(version);
        await db.SaveChangesAsync();
        return version;
    }

    /// <summary>A tenant (an editor's key) with one finished video of one clip, analysed under <paramref name="version"/>.</summary>
    private async Task<SeededTenant> SeedTenantAsync(string name, string caption, ModelVersion version)
    {
        var tenantName = $"{name}-{Guid.NewGuid():N}"[..20];
        var key = (await TestKeys.CreateAsync(stack.ConnectionString, tenantName, ApiKeyRoles.Editor)).Key;
        await using var db = Context();
        var tenant = db.Tenants.Single(t => t.Name == tenantName);
        var now = DateTimeOffset.UtcNow;
        var video = new Video
        {
            Id = Guid.NewGuid(), TenantId = tenant.Id, FileName = $"{name}.mp4", BlobPath = $"videos/{name}.mp4", SizeBytes = 1000, DurationSeconds = 4,
            State = VideoState.Completed, ClipLengthSeconds = 4, FramesPerClip = 8, CreatedAt = now, UpdatedAt = now, ClipsTotal = 1, ClipsDone = 1,
        };
        var clip = new Clip { Id = Guid.NewGuid(), Index = 0, StartSeconds = 0, EndSeconds = 4, State = ClipState.Analysed };
        video.Clips.Add(clip);
        db.Videos.Add(video);
        await db.SaveChangesAsync();
        db.ClipResults.Add(new ClipResult { ClipId = clip.Id, ModelVersionId = version.Id, Caption = caption, Embedding = new Vector(new[] { 0.6f, 0.8f }), CreatedAt = now });
        await db.SaveChangesAsync();
        await ClipDocuments.RefreshAsync(db, clip.Id, version.Id);
        return new SeededTenant(tenantName, key) { VideoId = video.Id, ClipId = clip.Id };
    }

    private ResultsDbContext Context() => new(ResultsDbContextOptions.Create(stack.ConnectionString));

    private static async Task<HttpResponseMessage> SendAsync(HttpClient http, Call call)
    {
        using var request = new HttpRequestMessage(new HttpMethod(call.Method), call.Path);
        if (call.Body is not null)
        {
            request.Content = JsonContent.Create(call.Body);
        }
        return await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
    }

    private static async Task<HttpStatusCode> StatusAsync(HttpClient http, HttpMethod method, string path, object? body = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");
        }
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        return response.StatusCode;
    }
}
