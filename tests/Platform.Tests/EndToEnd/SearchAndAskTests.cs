using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;
using VideoCoca.Platform.Tests.Infrastructure;
using VideoCoca.World;

namespace VideoCoca.Platform.Tests.EndToEnd;

/// <summary>
/// Search, similar clips, zero-shot labels and questions on the real platform (silo, worker, gateway as processes),
/// over a catalogue of world videos whose every clip's caption is known. Expectations are read against the captions
/// stored in the run's database, so that other tests' videos in the same catalogue do not change what is right.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class SearchAndAskTests(StackFixture stack)
{
    private static readonly string[] Actions = WorldVocabulary.Actions;

    [Fact(Timeout = 600_000)]
    public async Task ACatalogueOfWorldVideosIsSearchedByCaptionAndPartAndAskedAboutThenServedFromStorageWithoutAWorker()
    {
        await using var platform = new RunningPlatform(stack, "search");
        // Asking a new question and reranking run the model on the clips' stored frames, which the default retention
        // (Retention:Frames 0) deletes once a video is analysed: this catalogue keeps them.
        platform.StartSilo("silo", settings: new Dictionary<string, string> { ["Retention__Frames"] = "" });
        var worker = platform.StartWorker("worker");
        platform.StartGateway();
        await platform.CheckAsync(async () =>
        {
            var catalogue = await CatalogueVideo.RenderAllAsync(platform.Folder);
            await platform.WaitUntilReadyAsync();
            // The colour question is left out at upload, so that asking it later is new work for the worker.
            var ids = new List<Guid>();
            foreach (var video in catalogue) ids.Add(await platform.UploadAskingAsync(video.Path, WorldVocabulary.MotionQuestion));
            var statuses = await platform.WaitForFinishedAsync(ids, TimeSpan.FromMinutes(4));
            Assert.All(ids, id => Assert.Equal(VideoCoca.Contracts.Api.VideoState.Completed, statuses[id].State));
            var (a, b, c) = (ids[0], ids[1], ids[2]);
            var stored = await stack.StoredCaptionsAsync();
            for (var v = 0; v < catalogue.Count; v++)
            for (var i = 0; i < catalogue[v].Scenes.Count; i++)
            {
                Assert.Equal(catalogue[v].Scenes[i].Caption, stored[(ids[v], i)]);
            }

            // A whole caption: every clip with exactly that caption before any other, in every mode.
            foreach (var mode in new[] { "hybrid", "semantic", "text" })
            {
                foreach (var caption in new[] { "a large red square moves left", "a small red square moves right" })
                {
                    var found = await platform.SearchAsync($"q={Uri.EscapeDataString(caption)}&mode={mode}&limit=100");
                    AssertMatchingFirst(found, stored, s => s == caption, $"{mode} \"{caption}\"");
                    Assert.Equal(mode, found.RootElement.GetProperty("mode").GetString());
                }
            }
            // Part of a caption: every clip whose caption contains it above every clip whose caption does not, where
            // full text takes part. Not by the embedding alone: the shipped text tower learnt whole captions only, and
            // puts "red square" nearest a small yellow square that stays still (a caption without a motion word).
            foreach (var mode in new[] { "hybrid", "text" })
            {
                var found = await platform.SearchAsync($"q={Uri.EscapeDataString("red square")}&mode={mode}&limit=100");
                AssertMatchingFirst(found, stored, s => s.Contains("red square", StringComparison.Ordinal), $"{mode} \"red square\"");
            }
            // Text search finds nothing that lacks a word; items carry what a user shows.
            var text = await platform.SearchAsync("q=yellow%20square&mode=text&limit=100");
            var yellow = Items(text);
            Assert.NotEmpty(yellow);
            Assert.All(yellow, i => Assert.Contains("yellow", stored[(i.Video, i.Index)]));
            // The run's database holds other classes' videos too (a short tail clip among them): look at this catalogue's.
            var first = text.RootElement.GetProperty("items").EnumerateArray().First(i => ids.Contains(i.GetProperty("video_id").GetGuid()));
            Assert.Equal($"/api/videos/{first.GetProperty("video_id").GetGuid()}/clips/{first.GetProperty("clip_index").GetInt32()}/thumbnail",
                first.GetProperty("thumbnail_url").GetString());
            Assert.Equal(4.0, first.GetProperty("end_seconds").GetDouble() - first.GetProperty("start_seconds").GetDouble(), 3);

            // Re-ranking by the decoder keeps the exact caption first.
            var reranked = await platform.SearchAsync($"q={Uri.EscapeDataString("a small red square moves right")}&rerank=true&limit=5");
            Assert.True(reranked.RootElement.GetProperty("reranked").GetBoolean());
            AssertMatchingFirst(reranked, stored, s => s == "a small red square moves right", "reranked");

            // Filters restrict every mode's results.
            foreach (var mode in new[] { "hybrid", "semantic", "text" })
            {
                var inB = Items(await platform.SearchAsync($"q=red%20square&mode={mode}&video_id={b}&limit=100"));
                Assert.NotEmpty(inB);
                Assert.All(inB, i => Assert.Equal(b, i.Video));
                var inAc = Items(await platform.SearchAsync($"q=square&mode={mode}&video_id={a}&video_id={c}&limit=100"));
                Assert.Equal(6, inAc.Count);
                Assert.All(inAc, i => Assert.Contains(i.Video, new[] { a, c }));
            }
            var leftward = Items(await platform.SearchAsync($"q=square&mode=semantic&label={Uri.EscapeDataString("moving left")}&min_confidence=0.5&limit=100"));
            var labelled = await stack.TopLabelsAsync();
            var expectedLeft = labelled.Where(l => l.Value.Label == "moving left" && l.Value.Confidence >= 0.5).Select(l => l.Key).ToHashSet();
            Assert.Equal(expectedLeft, leftward.Select(i => (i.Video, i.Index)).ToHashSet());
            Assert.Contains((a, 0), expectedLeft);
            Assert.Empty(Items(await platform.SearchAsync($"q=square&uploaded_after={Uri.EscapeDataString(DateTimeOffset.UtcNow.AddHours(1).ToString("O"))}")));
            Assert.Equal(9, Items(await platform.SearchAsync($"q=square&video_id={a}&video_id={b}&video_id={c}&uploaded_before=2999-01-01&limit=100")).Count);

            // Similar clips of clip 0 of video A (a large red square moving left): the clips with its caption first, not itself.
            using (var similar = await platform.GetJsonAsync($"/api/videos/{a}/clips/0/similar?limit=100"))
            {
                var items = Items(similar);
                Assert.DoesNotContain((a, 0), items.Select(i => (i.Video, i.Index)));
                var others = stored.Where(s => s.Key != (a, 0)).ToDictionary();
                AssertMatchingFirst(similar, others, s => s == "a large red square moves left", "similar");
                Assert.Contains((a, 2), items.Take(2).Select(i => (i.Video, i.Index)));
            }

            // Labels at request time, the world's bare action names: scored by the model's prompts for them, as at
            // upload, so each clip's true action comes first with the very confidences stored for the clip.
            foreach (var (video, id) in catalogue.Zip(ids))
            {
                using var labels = await platform.PostJsonAsync($"/api/videos/{id}/labels", new { labels = Actions }, HttpStatusCode.OK);
                Assert.Equal(Actions, labels.RootElement.GetProperty("labels").EnumerateArray().Select(l => l.GetString()));
                var clips = labels.RootElement.GetProperty("clips");
                var listed = await platform.GetClipsAsync(id);
                Assert.Equal(video.Scenes.Count, clips.GetArrayLength());
                for (var i = 0; i < video.Scenes.Count; i++)
                {
                    Assert.Equal(i, clips[i].GetProperty("clip_index").GetInt32());
                    var scores = clips[i].GetProperty("scores").EnumerateArray()
                        .ToDictionary(s => s.GetProperty("label").GetString()!, s => s.GetProperty("confidence").GetDouble());
                    Assert.Equal(Actions.Order(), scores.Keys.Order());
                    Assert.Equal(video.Scenes[i].Action, clips[i].GetProperty("scores")[0].GetProperty("label").GetString());
                    Assert.Equal(1.0, scores.Values.Sum(), 6);
                    var atUpload = listed.Single(c => c.Index == i).Labels;
                    Assert.NotEmpty(atUpload);
                    foreach (var label in atUpload)
                    {
                        Assert.True(Math.Abs(label.Confidence - scores[label.Label]) < 1e-3,
                            $"video {id} clip {i} ({video.Scenes[i].Caption}): {label.Label} stored {label.Confidence:F5}, asked {scores[label.Label]:F5}");
                    }
                }
            }

            // Labels the model does not know, whole captions here: each scored by its own text, each clip's own caption
            // first. (The shipped text tower learnt whole captions, so these are a fair test of it.)
            var captionLabels = catalogue.SelectMany(v => v.Scenes).Select(s => s.Caption).Distinct().ToArray();
            foreach (var (video, id) in catalogue.Zip(ids))
            {
                using var labels = await platform.PostJsonAsync($"/api/videos/{id}/labels", new { labels = captionLabels }, HttpStatusCode.OK);
                Assert.Equal(captionLabels, labels.RootElement.GetProperty("labels").EnumerateArray().Select(l => l.GetString()));
                var clips = labels.RootElement.GetProperty("clips");
                Assert.Equal(video.Scenes.Count, clips.GetArrayLength());
                for (var i = 0; i < video.Scenes.Count; i++)
                {
                    Assert.Equal(i, clips[i].GetProperty("clip_index").GetInt32());
                    var scores = clips[i].GetProperty("scores");
                    Assert.Equal(captionLabels.Length, scores.GetArrayLength());
                    Assert.Equal(video.Scenes[i].Caption, scores[0].GetProperty("label").GetString());
                    var confidences = scores.EnumerateArray().Select(s => s.GetProperty("confidence").GetDouble()).ToList();
                    Assert.Equal(1.0, confidences.Sum(), 6);
                    Assert.Equal(confidences.OrderByDescending(x => x), confidences);
                }
            }

            // A question after upload: each clip's right answer, then in /clips.
            var question = WorldVocabulary.ColorQuestion;
            foreach (var (video, id) in catalogue.Zip(ids))
            {
                using var asked = await platform.PostJsonAsync($"/api/videos/{id}/questions", new { question }, HttpStatusCode.OK);
                Assert.Equal(video.Scenes.Select(s => s.Color), AnswersOf(asked));
                var clips = await platform.GetClipsAsync(id);
                Assert.Equal(video.Scenes.Select(s => s.Color), clips.Select(cl => cl.Answers.Single(q => q.Question == question).Answer));
            }
            using (var listed = await platform.PostJsonAsync($"/api/videos/{c}/questions", new { question = WorldVocabulary.SizeQuestion, clip_indexes = new[] { 2 } }, HttpStatusCode.OK))
            {
                Assert.Equal(2, Assert.Single(listed.RootElement.GetProperty("answers").EnumerateArray()).GetProperty("clip_index").GetInt32());
                Assert.Equal([catalogue[2].Scenes[2].Size], AnswersOf(listed));
            }

            // Every query parameter is in the OpenAPI document.
            using (var openApi = await platform.GetJsonAsync("/openapi/v1.json"))
            {
                var paths = openApi.RootElement.GetProperty("paths");
                string[] Parameters(string path) => paths.GetProperty(path).GetProperty("get").GetProperty("parameters").EnumerateArray()
                    .Where(p => p.GetProperty("in").GetString() == "query").Select(p => p.GetProperty("name").GetString()!).Order().ToArray();
                Assert.Equal(["label", "limit", "min_confidence", "mode", "model_version", "q", "rerank", "uploaded_after", "uploaded_before", "video_id"],
                    Parameters("/api/search"));
                Assert.Equal(["limit"], Parameters("/api/videos/{id}/clips/{index}/similar"));
            }

            // Bad input, with the worker still up.
            await platform.AssertBadInputAsync(a);

            // Without a worker: stored answers are served, anything that needs the model is refused quickly.
            await worker.CrashAsync();
            foreach (var (video, id) in catalogue.Zip(ids))
            {
                using var again = await platform.PostJsonAsync($"/api/videos/{id}/questions", new { question }, HttpStatusCode.OK);
                Assert.Equal(video.Scenes.Select(s => s.Color), AnswersOf(again));
            }
            await AssertUnavailableQuicklyAsync(platform, () => platform.Http.GetAsync("/api/search?q=red%20square&mode=semantic"));
            await AssertUnavailableQuicklyAsync(platform, () => platform.Http.PostAsJsonAsync($"/api/videos/{a}/labels", new { labels = Actions }));
            await AssertUnavailableQuicklyAsync(platform, () => platform.Http.PostAsJsonAsync($"/api/videos/{a}/questions", new { question = "is the square big?" }));
            // Full text needs no model.
            Assert.NotEmpty(Items(await platform.SearchAsync("q=red%20square&mode=text")));
        });
    }

    internal static async Task AssertUnavailableQuicklyAsync(RunningPlatform platform, Func<Task<HttpResponseMessage>> send)
    {
        var clock = Stopwatch.StartNew();
        using var response = await send();
        clock.Stop();
        await AssertProblemAsync(response, HttpStatusCode.ServiceUnavailable, null);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"503 after {clock.Elapsed.TotalSeconds:F1} s");
    }

    internal static async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string? field)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"expected {(int)status}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        if (field is not null)
        {
            using var problem = JsonDocument.Parse(body);
            Assert.True(problem.RootElement.TryGetProperty("errors", out var errors) && errors.TryGetProperty(field, out _), $"the problem does not name {field}: {body}");
        }
    }

    /// <summary>The items that match come first: as many of them as the catalogue holds (up to the list's length), then none.</summary>
    private static void AssertMatchingFirst(JsonDocument found, IReadOnlyDictionary<(Guid, int), string> stored, Func<string, bool> matches, string what)
    {
        var items = Items(found);
        var flags = items.Select(i => matches(stored[(i.Video, i.Index)])).ToList();
        var expected = Math.Min(stored.Values.Count(matches), items.Count);
        Assert.True(expected > 0, $"{what}: the catalogue has no matching clip");
        var describe = string.Join("\n", items.Select(i => $"  {i.Score:F4} {stored[(i.Video, i.Index)]}"));
        Assert.True(flags.Take(expected).All(f => f) && flags.Skip(expected).All(f => !f),
            $"{what}: the {expected} matching clips are not first:\n{describe}");
    }

    private static List<(Guid Video, int Index, double Score)> Items(JsonDocument found) =>
        found.RootElement.GetProperty("items").EnumerateArray()
            .Select(i => (i.GetProperty("video_id").GetGuid(), i.GetProperty("clip_index").GetInt32(), i.GetProperty("score").GetDouble())).ToList();

    private static List<string?> AnswersOf(JsonDocument asked) =>
        asked.RootElement.GetProperty("answers").EnumerateArray().Select(a => a.GetProperty("answer").GetString()).ToList();
}

/// <summary>The catalogue's videos: chosen scenes, so that some captions repeat within and across videos.</summary>
internal static class CatalogueVideo
{
    private static readonly (string Size, string Color, string Motion)[][] Videos =
    [
        [("large", "red", "left"), ("small", "blue", "up"), ("large", "red", "left")],
        [("large", "red", "left"), ("small", "red", "right"), ("large", "green", "down")],
        [("small", "yellow", "still"), ("large", "white", "right"), ("small", "red", "right")],
    ];

    public static async Task<IReadOnlyList<WorldVideo>> RenderAllAsync(string folder)
    {
        var rng = new Random(20261130);
        var videos = new List<WorldVideo>();
        for (var v = 0; v < Videos.Length; v++)
        {
            var scenes = Videos[v].Select(w =>
            {
                WorldScene scene;
                do scene = WorldRenderer.RandomScene(rng, WorldVideo.Geometry, w.Motion);
                while (scene.Size != w.Size || scene.Color != w.Color);
                return scene;
            }).ToList();
            var path = Path.Combine(folder, $"catalogue-{v}.mp4");
            await WorldVideoWriter.WriteAsync(path, scenes, WorldVideo.Geometry);
            videos.Add(new WorldVideo(path, scenes));
        }
        return videos;
    }
}

/// <summary>What the search tests ask of a running platform, beside RunningPlatform's own helpers.</summary>
internal static class SearchPlatformExtensions
{
    public static async Task<Guid> UploadAskingAsync(this RunningPlatform platform, string path, string question)
    {
        await using var file = File.OpenRead(path);
        using var content = new StreamContent(file);
        content.Headers.ContentType = new MediaTypeHeaderValue("video/mp4");
        using var response = await platform.Http.PostAsync(
            $"/api/videos?name={Uri.EscapeDataString(Path.GetFileName(path))}&question={Uri.EscapeDataString(question)}", content);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"upload answered {(int)response.StatusCode}: {body}");
        using var json = JsonDocument.Parse(body);
        return json.RootElement.GetProperty("video_id").GetGuid();
    }

    public static async Task<JsonDocument> SearchAsync(this RunningPlatform platform, string query) =>
        await platform.GetJsonAsync($"/api/search?{query}");

    public static async Task<JsonDocument> GetJsonAsync(this RunningPlatform platform, string url)
    {
        using var response = await platform.Http.GetAsync(url);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {url} answered {(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body);
    }

    public static async Task<JsonDocument> PostJsonAsync(this RunningPlatform platform, string url, object body, HttpStatusCode expected)
    {
        using var response = await platform.Http.PostAsJsonAsync(url, body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"POST {url} answered {(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text);
    }

    /// <summary>Every analysed clip's caption in the run's database (the version that reads: there is one per run here).</summary>
    public static async Task<IReadOnlyDictionary<(Guid, int), string>> StoredCaptionsAsync(this StackFixture stack)
    {
        var rows = new Dictionary<(Guid, int), string>();
        await using var connection = await stack.OpenDatabaseAsync();
        await using var command = new NpgsqlCommand("SELECT c.video_id, c.index, r.caption FROM clip_results r JOIN clips c ON c.id = r.clip_id", connection);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) rows[(reader.GetGuid(0), reader.GetInt32(1))] = reader.GetString(2);
        return rows;
    }

    /// <summary>Every analysed clip's best stored label.</summary>
    public static async Task<IReadOnlyDictionary<(Guid, int), (string Label, double Confidence)>> TopLabelsAsync(this StackFixture stack)
    {
        var rows = new Dictionary<(Guid, int), (string, double)>();
        await using var connection = await stack.OpenDatabaseAsync();
        await using var command = new NpgsqlCommand(
            "SELECT c.video_id, c.index, l.label, l.confidence FROM clip_labels l JOIN clips c ON c.id = l.clip_id WHERE l.rank = 0", connection);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) rows[(reader.GetGuid(0), reader.GetInt32(1))] = (reader.GetString(2), reader.GetDouble(3));
        return rows;
    }

    public static async Task RegisterModelVersionAsync(this StackFixture stack, string name)
    {
        await using var connection = await stack.OpenDatabaseAsync();
        await using var command = new NpgsqlCommand(
            "INSERT INTO model_versions (name, checksum, created_at, embedding_dimension) VALUES (@name, 'sha256:none', now(), 64)", connection);
        command.Parameters.AddWithValue("name", name);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>The 400s, 404s that name what is wrong, on a video that is analysed.</summary>
    public static async Task AssertBadInputAsync(this RunningPlatform platform, Guid analysedVideo)
    {
        var badSearches = new (string Query, string Field)[]
        {
            ("q=", "q"), ("mode=text", "q"), ($"q={new string('x', 501)}", "q"), ("q=red&mode=fuzzy", "mode"),
            ("q=red&limit=0", "limit"), ("q=red&limit=101", "limit"), ("q=red&limit=ten", "limit"),
            ("q=red&video_id=not-a-guid", "video_id"), ("q=red&label=moving%20left&min_confidence=2", "min_confidence"),
            ("q=red&min_confidence=0.5", "min_confidence"), ("q=red&uploaded_after=yesterday", "uploaded_after"),
            ("q=red&uploaded_before=31-12-2020x", "uploaded_before"), ("q=red&rerank=maybe", "rerank"),
        };
        foreach (var (query, field) in badSearches)
        {
            using var response = await platform.Http.GetAsync($"/api/search?{query}");
            await SearchAndAskTests.AssertProblemAsync(response, HttpStatusCode.BadRequest, field);
        }
        var unknown = Guid.NewGuid();
        var badPosts = new (string Url, object Body, HttpStatusCode Status, string? Field)[]
        {
            ($"/api/videos/{analysedVideo}/questions", new { question = "" }, HttpStatusCode.BadRequest, "question"),
            ($"/api/videos/{analysedVideo}/questions", new { question = "   " }, HttpStatusCode.BadRequest, "question"),
            ($"/api/videos/{analysedVideo}/questions", new { question = new string('q', 501) }, HttpStatusCode.BadRequest, "question"),
            ($"/api/videos/{analysedVideo}/questions", new { question = "what?", clip_indexes = new[] { -1 } }, HttpStatusCode.BadRequest, "clip_indexes"),
            ($"/api/videos/{unknown}/questions", new { question = "what color is the square?" }, HttpStatusCode.NotFound, null),
            ($"/api/videos/{analysedVideo}/questions", new { question = "what color is the square?", clip_indexes = new[] { 99 } }, HttpStatusCode.NotFound, null),
            ($"/api/videos/{analysedVideo}/labels", new { labels = Array.Empty<string>() }, HttpStatusCode.BadRequest, "labels"),
            ($"/api/videos/{analysedVideo}/labels", new { labels = new[] { "moving left", "moving left" } }, HttpStatusCode.BadRequest, "labels"),
            ($"/api/videos/{analysedVideo}/labels", new { labels = new[] { "moving left", "Moving Left" } }, HttpStatusCode.BadRequest, "labels"),
            ($"/api/videos/{unknown}/labels", new { labels = new[] { "moving left" } }, HttpStatusCode.NotFound, null),
        };
        foreach (var (url, body, status, field) in badPosts)
        {
            using var response = await platform.Http.PostAsJsonAsync(url, body);
            await SearchAndAskTests.AssertProblemAsync(response, status, field);
        }
        using (var response = await platform.Http.GetAsync($"/api/videos/{analysedVideo}/clips/99/similar"))
        {
            await SearchAndAskTests.AssertProblemAsync(response, HttpStatusCode.NotFound, null);
        }
        using (var response = await platform.Http.GetAsync($"/api/videos/{unknown}/clips/0/similar"))
        {
            await SearchAndAskTests.AssertProblemAsync(response, HttpStatusCode.NotFound, null);
        }
        using (var response = await platform.Http.GetAsync($"/api/videos/{analysedVideo}/clips/0/similar?limit=500"))
        {
            await SearchAndAskTests.AssertProblemAsync(response, HttpStatusCode.BadRequest, "limit");
        }
    }

    private static async Task<NpgsqlConnection> OpenDatabaseAsync(this StackFixture stack)
    {
        var connection = new NpgsqlConnection(stack.ConnectionString);
        await connection.OpenAsync();
        return connection;
    }
}
