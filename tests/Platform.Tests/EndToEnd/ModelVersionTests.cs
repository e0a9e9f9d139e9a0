using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using VideoCoca.Contracts.Api;
using VideoCoca.Platform.Tests.Infrastructure;

namespace VideoCoca.Platform.Tests.EndToEnd;

/// <summary>
/// Two model versions side by side on the real platform: the first worker's version (active) and a canary (the same
/// weights under another name, as an operator would try a new model). Each worker takes only its own version's clips,
/// activation is refused while the version lacks results for the catalogue unless forced, and once it returns every read
/// (clips, search) uses the new version. A database of its own: activation switches the whole catalogue.
/// </summary>
[Collection(StackCollection.Name)]
public sealed partial class ModelVersionTests(PrivateStackFixture own) : IClassFixture<PrivateStackFixture>
{
    private const string Canary = "canary";

    [Fact(Timeout = 600_000)]
    public async Task TwoVersionsRunSideBySideAndActivationSwitchesReadsAndUploadsAtOnce()
    {
        await using var platform = new RunningPlatform(own.Stack, "models");
        platform.StartSilo("silo");
        platform.StartGateway();
        var main = platform.StartWorker("worker-main");
        await platform.CheckAsync(async () =>
        {
            var first = await WorldVideo.RenderAsync(Path.Combine(platform.Folder, "first.mp4"), seed: 21, scenes: 2);
            var second = await WorldVideo.RenderAsync(Path.Combine(platform.Folder, "second.mp4"), seed: 22, scenes: 3);
            // The main worker alone first: the first version registered on an empty platform becomes the active one.
            await platform.WaitUntilReadyAsync();
            var mainVersion = (await platform.ModelsAsync()).Active;
            Assert.NotNull(mainVersion);
            Assert.NotEqual(Canary, mainVersion);
            var canary = platform.StartWorker("worker-canary", new Dictionary<string, string> { ["Worker__ModelVersion"] = Canary });
            await platform.WaitUntilReadyAsync();

            // Uploaded while the main version is active: analysed by it alone.
            var firstId = await platform.UploadAsync(first.Path);
            RunningPlatform.AssertAllCompleted(await platform.WaitForFinishedAsync([firstId], TimeSpan.FromMinutes(3)), new Dictionary<Guid, int> { [firstId] = 2 });

            var models = await platform.ModelsAsync();
            Assert.Equal(mainVersion, models.Active);
            Assert.Equal([mainVersion, Canary], models.Versions.Select(v => v.Name));
            var (active, waiting) = (models.Versions[0], models.Versions[1]);
            Assert.Equal((true, 1, 2, 2, 0, 1.0), (active.Active, active.Workers, active.ClipsAnalysed, active.CatalogueClips, active.ClipsMissing, active.Coverage));
            Assert.Equal((false, 1, 0, 2, 2, 0.0), (waiting.Active, waiting.Workers, waiting.ClipsAnalysed, waiting.CatalogueClips, waiting.ClipsMissing, waiting.Coverage));
            Assert.Equal(active.Checksum, waiting.Checksum);
            Assert.NotNull(waiting.Input);
            Assert.Equal((8, 48, 64, "stretch"), (waiting.Input.Frames, waiting.Input.Height, waiting.Input.Width, waiting.Input.Resize));
            Assert.Null(waiting.ActivatedAt);
            Assert.Contains("frames of 48x64", waiting.ConfigSummary);
            var single = await platform.Http.GetFromJsonAsync<ModelVersionInfo>($"/api/models/{Canary}");
            Assert.Equal((Canary, 0.0, 1), (single!.Name, single.Coverage, single.Workers));

            // The canary has no result for the catalogue's clips: refused, saying how many lack one and what to do.
            using (var refused = await platform.Http.PostAsync($"/api/models/{Canary}/activate", null))
            {
                var body = await refused.Content.ReadAsStringAsync();
                Assert.True(refused.StatusCode == HttpStatusCode.Conflict, $"activate without force answered {(int)refused.StatusCode}: {body}");
                Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
                using var problem = JsonDocument.Parse(body);
                var detail = problem.RootElement.GetProperty("detail").GetString();
                Assert.Contains("2 of the 2", detail);
                Assert.Contains("campaign", detail);
                Assert.Contains("force=true", detail);
                Assert.Equal(2, problem.RootElement.GetProperty("clips_missing").GetInt32());
            }
            Assert.Equal(mainVersion, (await platform.ModelsAsync()).Active);
            Assert.All(await platform.GetClipsAsync(firstId), c => Assert.Equal((ClipStates.Analysed, mainVersion), (c.State, c.ModelVersion)));

            // Forced: at once the canary reads (it has nothing for the first video yet) and takes the next upload.
            var activated = await platform.ActivateAsync(Canary, force: true);
            Assert.True(activated.Active);
            Assert.NotNull(activated.ActivatedAt);
            Assert.All(await platform.GetClipsAsync(firstId), c => Assert.Equal((ClipStates.Pending, ""), (c.State, c.ModelVersion)));
            Assert.Empty(await platform.SearchVideosAsync(Canary));
            var secondId = await platform.UploadAsync(second.Path);
            RunningPlatform.AssertAllCompleted(await platform.WaitForFinishedAsync([secondId], TimeSpan.FromMinutes(3)), new Dictionary<Guid, int> { [secondId] = 3 });

            // Each worker took only its own version's clips: the results, and each worker's own count of what it analysed.
            var stored = await platform.StoredClipsAsync([firstId, secondId]);
            Assert.All(stored, row => Assert.Equal(row.VideoId == firstId ? row.ModelVersion == mainVersion : row.ModelVersion == Canary, row.Results == 1));
            Assert.Equal(2, AnalysedIn(main));
            Assert.Equal(3, AnalysedIn(canary));
            Assert.All(await platform.GetClipsAsync(secondId), c => Assert.Equal((ClipStates.Analysed, Canary), (c.State, c.ModelVersion)));

            // Activating the active version changes nothing.
            var again = await platform.ActivateAsync(Canary, force: false);
            Assert.Equal(activated.ActivatedAt, again.ActivatedAt);

            // The main version lacks the second video now: refused unless forced; forced, every read is the main version's
            // as soon as the call returns, and back again.
            using (var refused = await platform.Http.PostAsync($"/api/models/{mainVersion}/activate", null))
            {
                Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
                Assert.Contains("3 of the 5", await refused.Content.ReadAsStringAsync());
            }
            for (var round = 0; round < 2; round++)
            {
                await platform.ActivateAsync(mainVersion, force: true);
                Assert.All(await platform.GetClipsAsync(firstId), c => Assert.Equal((ClipStates.Analysed, mainVersion), (c.State, c.ModelVersion)));
                Assert.All(await platform.GetClipsAsync(secondId), c => Assert.Equal((ClipStates.Pending, ""), (c.State, c.ModelVersion)));
                Assert.Equal([firstId], await platform.SearchVideosAsync(mainVersion));
                // A read that names a version still gets that version's results.
                Assert.All(await platform.GetClipsAsync(secondId, Canary), c => Assert.Equal((ClipStates.Analysed, Canary), (c.State, c.ModelVersion)));

                await platform.ActivateAsync(Canary, force: true);
                Assert.All(await platform.GetClipsAsync(firstId), c => Assert.Equal((ClipStates.Pending, ""), (c.State, c.ModelVersion)));
                Assert.All(await platform.GetClipsAsync(secondId), c => Assert.Equal((ClipStates.Analysed, Canary), (c.State, c.ModelVersion)));
                Assert.Equal([secondId], await platform.SearchVideosAsync(Canary));
            }
            models = await platform.ModelsAsync();
            Assert.Equal(Canary, models.Active);
            Assert.Equal([Canary, mainVersion], models.Versions.Select(v => v.Name));
            Assert.Equal((3, 3, 0.6), (models.Versions[0].ClipsAnalysed, models.Versions[0].CatalogueClips - models.Versions[0].ClipsMissing, Math.Round(models.Versions[0].Coverage, 3)));
            Assert.Equal((2, 3, 0.4), (models.Versions[1].ClipsAnalysed, models.Versions[1].ClipsMissing, Math.Round(models.Versions[1].Coverage, 3)));

            // Unknown versions and a bad force.
            using (var unknown = await platform.Http.GetAsync("/api/models/no-such-version"))
            {
                Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
                Assert.Contains("there is no model version 'no-such-version'", await unknown.Content.ReadAsStringAsync());
            }
            using (var unknown = await platform.Http.PostAsync("/api/models/no-such-version/activate?force=true", null))
            {
                Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
            }
            using (var bad = await platform.Http.PostAsync($"/api/models/{mainVersion}/activate?force=maybe", null))
            {
                Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
                using var problem = JsonDocument.Parse(await bad.Content.ReadAsStringAsync());
                Assert.True(problem.RootElement.GetProperty("errors").TryGetProperty("force", out _));
            }
            Assert.Equal(Canary, (await platform.ModelsAsync()).Active);
            await platform.AssertQueuesDrainedAsync();
        });
    }

    /// <summary>Clips a worker says it analysed, over all its batches.</summary>
    private static int AnalysedIn(HostProcess worker) =>
        BatchLine().Matches(File.ReadAllText(worker.LogPath)).Sum(m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));

    [GeneratedRegex(@"Batch of \d+ messages \(\d+ clips\): (\d+) analysed")]
    private static partial Regex BatchLine();
}

/// <summary>What the model-version tests ask of a running platform, beside RunningPlatform's own helpers.</summary>
internal static class ModelPlatformExtensions
{
    public static async Task<ModelVersionList> ModelsAsync(this RunningPlatform platform) =>
        await platform.Http.GetFromJsonAsync<ModelVersionList>("/api/models") ?? throw new InvalidOperationException("GET /api/models answered null");

    /// <summary>POST /api/models/{version}/activate, which must answer 200; the version as it answered.</summary>
    public static async Task<ModelVersionInfo> ActivateAsync(this RunningPlatform platform, string version, bool force)
    {
        using var response = await platform.Http.PostAsync($"/api/models/{Uri.EscapeDataString(version)}/activate{(force ? "?force=true" : "")}", null);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"activate {version} (force {force}) answered {(int)response.StatusCode}: {body}");
        return JsonSerializer.Deserialize<ModelVersionInfo>(body)!;
    }

    /// <summary>GET /api/videos/{id}/clips?model_version=...</summary>
    public static async Task<IReadOnlyList<ClipResult>> GetClipsAsync(this RunningPlatform platform, Guid videoId, string modelVersion) =>
        await platform.Http.GetFromJsonAsync<List<ClipResult>>($"/api/videos/{videoId}/clips?model_version={Uri.EscapeDataString(modelVersion)}") ?? [];

    /// <summary>
    /// The videos a full-text search for "square" (every world caption has it) finds, in order of first appearance, after
    /// checking that the answer names <paramref name="expectedVersion"/> as the version read.
    /// </summary>
    public static async Task<IReadOnlyList<Guid>> SearchVideosAsync(this RunningPlatform platform, string expectedVersion)
    {
        var found = await platform.Http.GetFromJsonAsync<SearchResponse>("/api/search?q=square&mode=text&limit=100")
            ?? throw new InvalidOperationException("GET /api/search answered null");
        Assert.Equal(expectedVersion, found.ModelVersion);
        return found.Items.Select(i => i.VideoId).Distinct().ToList();
    }
}
