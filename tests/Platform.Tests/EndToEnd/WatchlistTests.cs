using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;
using VideoCoca.Checkpoints;
using VideoCoca.Contracts.Api;
using VideoCoca.Inference;
using VideoCoca.Platform.Tests.Infrastructure;
using VideoCoca.World;
using static TorchSharp.torch;

namespace VideoCoca.Platform.Tests.EndToEnd;

/// <summary>
/// Watchlists on the real platform: a list made over an existing catalogue flags exactly the clips that meet its rules
/// (known from the rendered scenes), then flags a new upload's clips as they are written; each flag is announced in the
/// outbox; flags are reviewed, filtered and paged; malformed lists and lists the model cannot embed are refused whole.
/// </summary>
/// <remarks>
/// A database of its own (<see cref="PrivateStackFixture"/>): the catalogue pass covers every video in the database,
/// and the other test classes' videos would otherwise be in its catalogue.
/// </remarks>
[Collection(StackCollection.Name)]
public sealed class WatchlistTests(PrivateStackFixture own) : IClassFixture<PrivateStackFixture>
{
    private StackFixture Stack => own.Stack;

    private const string LeftLabel = "moving left";
    private const string RedPhrase = "Red Square"; // any case: captions say "red square"

    [Fact(Timeout = 600_000)]
    public async Task AWatchlistFlagsExactlyTheMatchingClipsOfTheCatalogueAndOfNewUploadsOncePerClip()
    {
        await using var platform = new RunningPlatform(Stack, "watch");
        platform.StartSilo("silo");
        var worker = platform.StartWorker("worker");
        platform.StartGateway();
        var model = new ModelTextTower(Path.Combine(RepositoryPaths.Root, "models", "world-tiny"));
        await platform.CheckAsync(async () =>
        {
            // Two catalogue videos with a clip moving left, a red square that does not move left, and a clip that meets
            // no rule; a later video with a left and a red clip of its own.
            var catalogue = new List<WorldVideo>();
            var seeds = SeedsWhere(4, 2, scenes => scenes.Any(IsLeft) && scenes.Any(s => IsRed(s) && !IsLeft(s)) && scenes.Any(s => !IsLeft(s) && !IsRed(s)));
            foreach (var seed in seeds)
            {
                catalogue.Add(await WorldVideo.RenderAsync(Path.Combine(platform.Folder, $"catalogue-{seed}.mp4"), seed, 4));
            }
            var laterSeed = SeedsWhere(3, 1, scenes => scenes.Any(IsLeft) && scenes.Any(s => IsRed(s) && !IsLeft(s)), after: seeds[^1])[0];
            var later = await WorldVideo.RenderAsync(Path.Combine(platform.Folder, $"later-{laterSeed}.mp4"), laterSeed, 3);
            await platform.WaitUntilReadyAsync();

            var catalogueIds = new List<Guid>();
            foreach (var video in catalogue) catalogueIds.Add(await platform.UploadAsync(video.Path));
            RunningPlatform.AssertAllCompleted(await platform.WaitForFinishedAsync(catalogueIds, TimeSpan.FromMinutes(4)), catalogueIds.ToDictionary(id => id, _ => 4));
            var version = Assert.Single(await platform.ModelVersionsAsync());

            // A webhook subscribed to clip.flagged, made in SQL (its API is another part of the platform).
            var webhookId = Guid.NewGuid();
            await ExecuteAsync("INSERT INTO webhooks (id, tenant_id, url, events, secret, created_at) VALUES (@id, '00000000-0000-0000-0000-000000000001', 'http://127.0.0.1:9/hook', ARRAY['clip.flagged'], 's3cret', now())",
                ("id", webhookId));

            // The query: one catalogue caption that no other rule meets; its threshold halfway between the least score
            // of the clips with that caption and the best score of the others (the model's own text tower scores them).
            var clips = await StoredClipsAsync([.. catalogueIds]);
            var truth = catalogue.SelectMany((v, i) => v.Scenes.Select((s, index) => (Video: catalogueIds[i], Index: index, Scene: s)))
                .ToDictionary(x => (x.Video, x.Index), x => x.Scene);
            var query = truth.Values.First(s => !IsLeft(s) && !IsRed(s)).Caption;
            var queryEmbedding = model.Embed(query);
            var scores = clips.ToDictionary(c => (c.VideoId, c.Index), c => Cosine(c.Embedding, queryEmbedding));
            var least = scores.Where(s => truth[s.Key].Caption == query).Min(s => s.Value);
            var bestOther = scores.Where(s => truth[s.Key].Caption != query).Max(s => s.Value);
            Assert.True(least > bestOther, $"the model scores another clip ({bestOther:0.000}) above a clip captioned '{query}' ({least:0.000})");
            var threshold = Math.Round((least + bestOther) / 2, 4);

            var created = await PostJsonAsync(platform, "/api/watchlists", new
            {
                name = "left, red or the query",
                rules = new object[]
                {
                    new { kind = "label", label = LeftLabel, min_confidence = 0.5 },
                    new { kind = "phrase", phrase = RedPhrase },
                    new { kind = "query", query, min_score = threshold },
                },
            });
            Assert.Equal(HttpStatusCode.Created, created.Status);
            var watchlist = created.Body.Deserialize<WatchlistInfo>()!;
            Assert.Equal(["label", "phrase", "query"], watchlist.Rules.Select(r => r.Kind));
            Assert.Equal((LeftLabel, 0.5, RedPhrase, query, threshold),
                (watchlist.Rules[0].Label, watchlist.Rules[0].MinConfidence, watchlist.Rules[1].Phrase, watchlist.Rules[2].Query, watchlist.Rules[2].MinScore));

            // The catalogue pass: the expected flag per clip is the first rule its scene meets.
            string? Expected((Guid Video, int Index) clip, IReadOnlyDictionary<(Guid, int), WorldScene> scenes, IReadOnlyDictionary<(Guid, int), double> cosines) =>
                IsLeft(scenes[clip]) ? $"label '{LeftLabel}'" : IsRed(scenes[clip]) ? $"phrase '{RedPhrase}' in the caption"
                : cosines[clip] >= threshold ? $"query '{query}'" : null;
            var expectedCatalogue = truth.Keys.Select(k => (Key: k, Reason: Expected(k, truth, scores))).Where(x => x.Reason is not null)
                .ToDictionary(x => x.Key, x => x.Reason!);
            Assert.Contains(expectedCatalogue.Values, r => r.StartsWith("query", StringComparison.Ordinal));
            var done = await WaitForBackfillAsync(platform, watchlist.Id);
            Assert.Equal(("done", expectedCatalogue.Count, (string?)null), (done.Backfill.State, done.Backfill.Flags, done.Backfill.Error));
            var flags = await AllFlagsAsync(platform, $"watchlist={watchlist.Id}");
            AssertFlags(expectedCatalogue, flags, version);

            // A new upload: its clips are flagged as the worker writes them.
            var laterId = await platform.UploadAsync(later.Path);
            RunningPlatform.AssertAllCompleted(await platform.WaitForFinishedAsync([laterId], TimeSpan.FromMinutes(3)), new Dictionary<Guid, int> { [laterId] = 3 });
            var laterTruth = later.Scenes.Select((s, i) => (Key: (laterId, i), Scene: s)).ToDictionary(x => x.Key, x => x.Scene);
            var laterScores = (await StoredClipsAsync([laterId])).ToDictionary(c => (c.VideoId, c.Index), c => Cosine(c.Embedding, queryEmbedding));
            var expectedLater = laterTruth.Keys.Select(k => (Key: k, Reason: Expected(k, laterTruth, laterScores))).Where(x => x.Reason is not null)
                .ToDictionary(x => x.Key, x => x.Reason!);
            Assert.NotEmpty(expectedLater);
            var laterFlags = await AllFlagsAsync(platform, $"watchlist={watchlist.Id}&video_id={laterId}");
            AssertFlags(expectedLater, laterFlags, version);
            var everyFlag = await AllFlagsAsync(platform, $"watchlist={watchlist.Id}");
            Assert.Equal(expectedCatalogue.Count + expectedLater.Count, everyFlag.Count);
            Assert.Equal(everyFlag.Count, everyFlag.Select(f => (f.VideoId, f.ClipIndex)).Distinct().Count());

            // The outbox: one clip.flagged event per flag, carrying it, and one delivery of it to the subscribed webhook.
            var events = await QueryAsync("SELECT id, body FROM webhook_events WHERE type = 'clip.flagged'", r => (Id: r.GetGuid(0), Body: r.GetString(1)));
            var announced = events.Select(e => JsonDocument.Parse(e.Body).RootElement.GetProperty("data")).ToList();
            Assert.Equal(everyFlag.Select(f => f.Id).Order(), announced.Select(d => d.GetProperty("flag_id").GetGuid()).Order());
            foreach (var flag in everyFlag)
            {
                var data = announced.Single(d => d.GetProperty("flag_id").GetGuid() == flag.Id);
                Assert.Equal((watchlist.Id, watchlist.Name, flag.VideoId, flag.ClipIndex, version, flag.Reason, flag.Caption),
                    (data.GetProperty("watchlist_id").GetGuid(), data.GetProperty("watchlist_name").GetString(), data.GetProperty("video_id").GetGuid(),
                     data.GetProperty("clip_index").GetInt32(), data.GetProperty("model_version").GetString(), data.GetProperty("reason").GetString(),
                     data.GetProperty("caption").GetString()));
            }
            var deliveries = await QueryAsync("SELECT event_id FROM webhook_deliveries WHERE webhook_id = @id", r => r.GetGuid(0), ("id", webhookId));
            Assert.Equal(events.Select(e => e.Id).Order(), deliveries.Order());

            // Review: confirmed with a note by the user the header names; another dismissed by the reviewer the body names.
            var first = everyFlag[0];
            var reviewed = await PostJsonAsync(platform, $"/api/flags/{first.Id}", new { status = "confirmed", note = "a red square, as feared" }, user: "moderator-1");
            Assert.Equal(HttpStatusCode.OK, reviewed.Status);
            var shown = (await platform.Http.GetFromJsonAsync<FlagInfo>($"/api/flags/{first.Id}"))!;
            Assert.Equal(("confirmed", "a red square, as feared", "moderator-1"), (shown.Status, shown.Note, shown.ReviewedBy));
            Assert.InRange(shown.ReviewedAt!.Value, DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddSeconds(5));
            var dismissed = await PostJsonAsync(platform, $"/api/flags/{everyFlag[1].Id}", new { status = "dismissed", reviewer = "moderator-2" }, user: "moderator-1");
            Assert.Equal("moderator-2", dismissed.Body.GetProperty("reviewed_by").GetString());
            var badStatus = await PostJsonAsync(platform, $"/api/flags/{first.Id}", new { status = "approved" });
            AssertInvalid(badStatus, "status");
            var unknownFlag = await PostJsonAsync(platform, $"/api/flags/{Guid.NewGuid()}", new { status = "confirmed" });
            Assert.Equal(HttpStatusCode.NotFound, unknownFlag.Status);

            // Filters and paging: open ones page by page, oldest first; the confirmed one; one video's.
            var open = await AllFlagsAsync(platform, $"status=open&watchlist={watchlist.Id}", pageSize: 2);
            Assert.Equal(everyFlag.Where(f => f.Id != first.Id && f.Id != everyFlag[1].Id).Select(f => f.Id), open.Select(f => f.Id));
            Assert.Equal(open.OrderBy(f => f.CreatedAt).Select(f => f.Id), open.Select(f => f.Id));
            var confirmed = await platform.Http.GetFromJsonAsync<FlagPage>("/api/flags?status=confirmed");
            Assert.Equal([first.Id], confirmed!.Items.Select(f => f.Id));
            Assert.Equal(1, confirmed.Total);
            Assert.All(laterFlags, f => Assert.Equal(laterId, f.VideoId));
            AssertInvalid(await GetAsync(platform, "/api/flags?status=maybe"), "status");
            AssertInvalid(await GetAsync(platform, "/api/flags?page_size=0"), "page_size");
            AssertInvalid(await GetAsync(platform, "/api/flags?watchlist=nope"), "watchlist");

            // Malformed lists: 400 naming the field, nothing stored.
            var longText = new string('x', 501);
            var malformed = new (object Body, string Field)[]
            {
                (new { name = "bad", rules = new object[] { new { kind = "label", label = LeftLabel }, new { kind = "label", label = LeftLabel, min_confidence = 1.5 } } }, "rules[1].min_confidence"),
                (new { name = "bad", rules = new object[] { new { kind = "colour", label = "red" } } }, "rules[0].kind"),
                (new { name = "bad", rules = new object[] { new { kind = "phrase", phrase = "  " } } }, "rules[0].phrase"),
                (new { name = "bad", rules = new object[] { new { kind = "phrase", phrase = longText } } }, "rules[0].phrase"),
                (new { name = "bad", rules = new object[] { new { kind = "query", query = "a red square", min_score = -1.5 } } }, "rules[0].min_score"),
                (new { name = "bad", rules = Enumerable.Range(0, 51).Select(i => (object)new { kind = "phrase", phrase = $"p{i}" }).ToArray() }, "rules"),
                (new { name = "bad", rules = Array.Empty<object>() }, "rules"),
                (new { rules = new object[] { new { kind = "phrase", phrase = "red" } } }, "name"),
            };
            foreach (var (body, field) in malformed)
            {
                AssertInvalid(await PostJsonAsync(platform, "/api/watchlists", body), field);
            }
            Assert.Equal(1L, await CountAsync("SELECT count(*) FROM watchlists"));

            // No worker to embed a query rule: 503 within a few seconds, nothing stored.
            await worker.DisposeAsync();
            var started = DateTime.UtcNow;
            var refused = await PostJsonAsync(platform, "/api/watchlists", new { name = "needs the model", rules = new object[] { new { kind = "query", query = "a red square" } } });
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.Status);
            Assert.InRange(DateTime.UtcNow - started, TimeSpan.Zero, TimeSpan.FromSeconds(15));
            Assert.Equal(1L, await CountAsync("SELECT count(*) FROM watchlists"));
            Assert.Equal(3L, await CountAsync("SELECT count(*) FROM watchlist_rules"));

            // Deleted: its flags go with it.
            using (var deleted = await platform.Http.DeleteAsync($"/api/watchlists/{watchlist.Id}"))
            {
                Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
            }
            Assert.Equal(0L, await CountAsync("SELECT count(*) FROM flags"));
            Assert.Equal(HttpStatusCode.NotFound, (await GetAsync(platform, $"/api/watchlists/{watchlist.Id}")).Status);
        });
    }

    private static bool IsLeft(WorldScene scene) => scene.Action == LeftLabel;

    private static bool IsRed(WorldScene scene) => scene.Caption.Contains(RedPhrase, StringComparison.OrdinalIgnoreCase);

    /// <summary>The first <paramref name="count"/> seeds whose <paramref name="scenes"/> scenes (drawn as <see cref="WorldVideo.RenderAsync"/> draws them) pass the test.</summary>
    private static List<int> SeedsWhere(int scenes, int count, Func<IReadOnlyList<WorldScene>, bool> test, int after = 0)
    {
        var seeds = new List<int>();
        for (var seed = after + 1; seeds.Count < count; seed++)
        {
            var rng = new Random(seed);
            if (test(Enumerable.Range(0, scenes).Select(_ => WorldRenderer.RandomScene(rng, WorldVideo.Geometry)).ToList())) seeds.Add(seed);
        }
        return seeds;
    }

    /// <summary>Each expected clip has exactly one flag, naming the expected rule, under the version, open; no other clip has one.</summary>
    private static void AssertFlags(IReadOnlyDictionary<(Guid Video, int Index), string> expected, IReadOnlyList<FlagInfo> flags, string version)
    {
        var actual = flags.Select(f => ((f.VideoId, f.ClipIndex), f.Reason)).ToList();
        Assert.True(expected.Count == actual.Count && expected.All(e => actual.Count(a => a.Item1 == e.Key && a.Reason.StartsWith(e.Value, StringComparison.Ordinal)) == 1),
            $"expected flags:\n  {string.Join("\n  ", expected.Select(e => $"{e.Key}: {e.Value}"))}\nbut the platform has:\n  {string.Join("\n  ", actual.Select(a => $"{a.Item1}: {a.Reason}"))}");
        Assert.All(flags, f => Assert.Equal((version, "open"), (f.ModelVersion, f.Status)));
        Assert.All(flags.Where(f => f.Reason.StartsWith("phrase", StringComparison.Ordinal)), f => Assert.Null(f.Score));
        Assert.All(flags.Where(f => !f.Reason.StartsWith("phrase", StringComparison.Ordinal)), f => Assert.NotNull(f.Score));
    }

    private static async Task<WatchlistInfo> WaitForBackfillAsync(RunningPlatform platform, Guid id)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(1);
        while (true)
        {
            var watchlist = (await platform.Http.GetFromJsonAsync<WatchlistInfo>($"/api/watchlists/{id}"))!;
            if (watchlist.Backfill.State is "done" or "failed" || DateTime.UtcNow > deadline) return watchlist;
            await Task.Delay(200);
        }
    }

    private static async Task<List<FlagInfo>> AllFlagsAsync(RunningPlatform platform, string filter, int pageSize = 100)
    {
        var flags = new List<FlagInfo>();
        for (var page = 1; ; page++)
        {
            var result = (await platform.Http.GetFromJsonAsync<FlagPage>($"/api/flags?{filter}&page={page}&page_size={pageSize}"))!;
            flags.AddRange(result.Items);
            Assert.True(result.Items.Count <= pageSize);
            if (flags.Count >= result.Total || result.Items.Count == 0)
            {
                Assert.Equal(result.Total, flags.Count);
                return flags;
            }
        }
    }

    private static void AssertInvalid((HttpStatusCode Status, JsonElement Body) response, string field)
    {
        Assert.True(response.Status == HttpStatusCode.BadRequest && response.Body.TryGetProperty("errors", out var errors) && errors.TryGetProperty(field, out _),
            $"expected 400 naming {field}, got {(int)response.Status}: {response.Body}");
    }

    private static async Task<(HttpStatusCode Status, JsonElement Body)> PostJsonAsync(RunningPlatform platform, string path, object body, string? user = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) };
        if (user is not null) request.Headers.Add("X-Vcp-User", user);
        using var response = await platform.Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    private static async Task<(HttpStatusCode Status, JsonElement Body)> GetAsync(RunningPlatform platform, string path)
    {
        using var response = await platform.Http.GetAsync(path);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    private sealed record EmbeddedClip(Guid VideoId, int Index, float[] Embedding);

    private Task<List<EmbeddedClip>> StoredClipsAsync(Guid[] videoIds) =>
        QueryAsync("SELECT c.video_id, c.index, r.embedding::real[] FROM clip_results r JOIN clips c ON c.id = r.clip_id WHERE c.video_id = ANY(@videos)",
            r => new EmbeddedClip(r.GetGuid(0), r.GetInt32(1), r.GetFieldValue<float[]>(2)), ("videos", videoIds));

    private static double Cosine(float[] a, float[] b)
    {
        double dot = 0, na = 0, nb = 0;
        for (var i = 0; i < a.Length; i++) (dot, na, nb) = (dot + (double)a[i] * b[i], na + (double)a[i] * a[i], nb + (double)b[i] * b[i]);
        return dot / Math.Sqrt(na * nb);
    }

    private async Task<List<T>> QueryAsync<T>(string sql, Func<NpgsqlDataReader, T> read, params (string Name, object Value)[] parameters)
    {
        await using var connection = new NpgsqlConnection(Stack.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<T>();
        while (await reader.ReadAsync()) rows.Add(read(reader));
        return rows;
    }

    private async Task<long> CountAsync(string sql) => (await QueryAsync(sql, r => r.GetInt64(0)))[0];

    private async Task ExecuteAsync(string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = new NpgsqlConnection(Stack.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>The shipped model's text tower in this process: the test's query embedded as the worker embeds it, to know which clips it must flag.</summary>
    private sealed class ModelTextTower(string modelFolder)
    {
        private readonly VideoCocaPredictor _predictor = new(ModelCheckpoint.Load(modelFolder));

        public float[] Embed(string text)
        {
            using var scope = NewDisposeScope();
            return _predictor.EmbedTexts([text]).cpu().data<float>().ToArray();
        }
    }
}
