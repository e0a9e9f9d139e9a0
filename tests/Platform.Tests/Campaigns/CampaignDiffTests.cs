using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Pgvector;
using VideoCoca.Contracts.Api;
using VideoCoca.Gateway.Hosting;
using VideoCoca.Persistence;
using VideoCoca.Persistence.Entities;
using VideoCoca.Persistence.Hosting;
using ClipResult = VideoCoca.Persistence.Entities.ClipResult;
using VideoCoca.Platform.Tests.Infrastructure;

namespace VideoCoca.Platform.Tests.Campaigns;

/// <summary>
/// The campaign diff on the real gateway (Kestrel on a loopback port) over results stored in the real database: two
/// videos of clips with results under a source and a target version, some captions, top labels and answers changed and
/// some not, a ledger that leaves some clips out; every figure the API gives is computed again here from what was stored.
/// A database of its own: the versions stored here have results and no activation, so the catalogue's reads would
/// otherwise follow them in the other classes' checks.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class CampaignDiffTests(PrivateStackFixture own) : IClassFixture<PrivateStackFixture>, IAsyncLifetime
{
    private const string Colour = "what color is the square?";
    private const string Size = "how big is the square?";
    private const string Direction = "which way is the square moving?";
    private static readonly string[] Directions = ["left", "right", "up", "down"];
    private static readonly string[] Colours = ["red", "blue", "green"];

    private readonly string _folder = Directory.CreateTempSubdirectory("vcp-campaign-diff-").FullName;
    private WebApplication? _app;
    private HttpClient _http = null!;

    private StackFixture Stack => own.Stack;

    public async Task InitializeAsync()
    {
        _app = GatewayApp.Build([
            "--urls=http://127.0.0.1:0",
            $"--Postgres:ConnectionString={Stack.ConnectionString}",
            $"--RabbitMq:Url={Stack.RabbitMqUrl}",
            $"--Gateway:BlobRoot={Path.Combine(_folder, "blobs")}",
            $"--Orleans:ClusterId=campaign-diff-tests-{Guid.NewGuid():N}",
            "--Orleans:ReconnectDelay=00:00:01",
            "--Logging:LogLevel:Default=Warning",
        ]);
        await _app.StartAsync();
        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        _http = new HttpClient { BaseAddress = new Uri(address), Timeout = TimeSpan.FromMinutes(2) };
        _http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", (await Access.TestKeys.CreateAsync(Stack.ConnectionString, "default", "admin")).Key);
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
        Directory.Delete(_folder, recursive: true);
    }

    [Fact(Timeout = 300_000)]
    public async Task TheDiffCountsAndShowsWhatTheStoredResultsSay()
    {
        var (campaignId, clips, source, target) = await SeedAsync();

        var diff = await GetDiffAsync($"/api/campaigns/{campaignId}/diff");
        var compared = clips.Where(c => c.InLedger && c.Source is not null && c.Target is not null).ToList();
        Assert.Equal(campaignId, diff.CampaignId);
        Assert.Equal((source, target), (diff.SourceModelVersion, diff.TargetModelVersion));
        Assert.Equal(compared.Count, diff.Compared);
        Assert.Equal(clips.Count(c => c.InLedger && c.Source is null && c.Target is not null), diff.OnlyTarget);
        Assert.Equal(compared.Count(c => c.CaptionChanged), diff.Changed.Caption);
        Assert.Equal(compared.Count(c => c.TopLabelChanged), diff.Changed.TopLabel);
        Assert.Equal(compared.Count(c => c.AnswersChanged), diff.Changed.Answers);
        Assert.Equal(compared.Count(c => c.AnyChanged), diff.Changed.Any);
        // The seed must exercise every case, or a diff that never counts one would pass.
        Assert.All(new[] { diff.Changed.Caption, diff.Changed.TopLabel, diff.Changed.Answers, diff.OnlyTarget }, n => Assert.InRange(n, 1, compared.Count - 1));
        Assert.True(diff.Changed.Any < compared.Count, "some compared clips must be unchanged");

        var expectedPerLabel = compared.Where(c => c.Source!.TopLabel is not null)
            .GroupBy(c => c.Source!.TopLabel!)
            .Select(g => (Label: g.Key, Clips: g.Count(), Changed: g.Count(c => c.TopLabelChanged),
                To: g.Where(c => c.TopLabelChanged).GroupBy(c => c.Target!.TopLabel).Select(t => (t.Key ?? "(none)", t.Count())).Order().ToList()))
            .OrderBy(l => l.Label, StringComparer.Ordinal).ToList();
        var actualPerLabel = diff.PerLabel.OrderBy(l => l.Label, StringComparer.Ordinal).ToList();
        Assert.Equal(expectedPerLabel.Select(l => (l.Label, l.Clips, l.Changed)), actualPerLabel.Select(l => (l.Label, l.Clips, l.Changed)));
        for (var i = 0; i < expectedPerLabel.Count; i++)
        {
            Assert.Equal(expectedPerLabel[i].To, actualPerLabel[i].ChangedTo.Select(t => (t.Label ?? "(none)", t.Clips)).Order().ToList());
        }
        Assert.Equal(diff.PerLabel.OrderByDescending(l => l.Clips).Select(l => l.Clips), diff.PerLabel.Select(l => l.Clips));
        Assert.Contains(diff.PerLabel, l => l.ChangedTo.Any(t => t.Label is null));

        // Every filter, paged through: the clips that have that change, in video and clip order, each side by side.
        foreach (var (filter, has) in new (string, Func<SeededClip, bool>)[]
        {
            ("any", c => c.AnyChanged), ("caption", c => c.CaptionChanged), ("top_label", c => c.TopLabelChanged), ("answers", c => c.AnswersChanged),
        })
        {
            var expected = compared.Where(has).OrderBy(c => c.VideoId.ToString(), StringComparer.Ordinal).ThenBy(c => c.Index).ToList();
            var seen = new List<CampaignDiffExample>();
            for (var page = 1; ; page++)
            {
                var pageDiff = await GetDiffAsync($"/api/campaigns/{campaignId}/diff?changed={filter}&page={page}&page_size=7");
                Assert.Equal((filter, page, 7, expected.Count), (pageDiff.Examples.Changed, pageDiff.Examples.Page, pageDiff.Examples.PageSize, pageDiff.Examples.Total));
                if (pageDiff.Examples.Items.Count == 0) break;
                Assert.InRange(pageDiff.Examples.Items.Count, 1, 7);
                seen.AddRange(pageDiff.Examples.Items);
            }
            Assert.Equal(expected.Select(c => c.Id), seen.Select(e => e.ClipId));
            foreach (var (clip, example) in expected.Zip(seen))
            {
                AssertExample(clip, example);
            }
        }

        // The default filter is any, the default page the first 20.
        Assert.Equal(compared.Count(c => c.AnyChanged), diff.Examples.Total);
        Assert.Equal(("any", 1, 20), (diff.Examples.Changed, diff.Examples.Page, diff.Examples.PageSize));
        Assert.Equal(Math.Min(20, diff.Examples.Total), diff.Examples.Items.Count);

        // The clips are the default tenant's: another tenant's admin sees the campaign but none of what they said.
        var stranger = (await Access.TestKeys.CreateAsync(Stack.ConnectionString, $"other-{Guid.NewGuid():N}"[..20], "admin")).Key;
        using var strangerHttp = Access.TestKeys.ClientWith(_http.BaseAddress!, stranger);
        using var strangerResponse = await strangerHttp.GetAsync($"/api/campaigns/{campaignId}/diff");
        var strangerDiff = JsonSerializer.Deserialize<CampaignDiff>(await strangerResponse.Content.ReadAsStringAsync())!;
        Assert.Equal(HttpStatusCode.OK, strangerResponse.StatusCode);
        Assert.Equal((0, 0, 0, 0), (strangerDiff.Compared, strangerDiff.OnlyTarget, strangerDiff.Changed.Any, strangerDiff.Examples.Items.Count));
        Assert.Empty(strangerDiff.PerLabel);
    }

    [Fact(Timeout = 300_000)]
    public async Task BadRequestsAreRefusedWithTheirReason()
    {
        var (campaignId, _, _, _) = await SeedAsync();
        var withoutSource = await SeedCampaignWithoutSourceAsync();

        await AssertProblemAsync($"/api/campaigns/not-a-guid/diff", HttpStatusCode.BadRequest, "not a campaign id");
        await AssertProblemAsync($"/api/campaigns/{Guid.NewGuid()}/diff", HttpStatusCode.NotFound, "there is no campaign");
        await AssertProblemAsync($"/api/campaigns/{withoutSource}/diff", HttpStatusCode.Conflict, "nothing to compare against");
        await AssertProblemAsync($"/api/campaigns/{campaignId}/diff?changed=colour", HttpStatusCode.BadRequest, "changed must be one of");
        await AssertProblemAsync($"/api/campaigns/{campaignId}/diff?page_size=1000", HttpStatusCode.BadRequest, "page_size");
        await AssertProblemAsync($"/api/campaigns/{campaignId}/diff?page=0", HttpStatusCode.BadRequest, "page must be");
    }

    /// <summary>A client generated from the document can ask for every filter and page.</summary>
    [Fact(Timeout = 120_000)]
    public async Task TheOpenApiDocumentDeclaresTheDiffsQueryParameters()
    {
        using var openApi = JsonDocument.Parse(await _http.GetStringAsync("/openapi/v1.json"));
        var parameters = openApi.RootElement.GetProperty("paths").GetProperty("/api/campaigns/{id}/diff").GetProperty("get").GetProperty("parameters");
        Assert.Equal(["changed", "page", "page_size"],
            parameters.EnumerateArray().Where(p => p.GetProperty("in").GetString() == "query").Select(p => p.GetProperty("name").GetString()!).Order().ToArray());
    }

    private static void AssertExample(SeededClip clip, CampaignDiffExample example)
    {
        Assert.Equal((clip.Id, clip.VideoId, clip.Index, clip.Start, clip.End), (example.ClipId, example.VideoId, example.ClipIndex, example.StartSeconds, example.EndSeconds));
        Assert.Equal(clip.HasThumbnail ? $"/api/videos/{clip.VideoId}/clips/{clip.Index}/thumbnail" : null, example.ThumbnailUrl);
        AssertSide(clip.Source!, example.Before);
        AssertSide(clip.Target!, example.After);
        var changes = new List<string>();
        if (clip.CaptionChanged) changes.Add("caption");
        if (clip.TopLabelChanged) changes.Add("top_label");
        if (clip.AnswersChanged) changes.Add("answers");
        Assert.Equal(changes, example.Changed);
    }

    private static void AssertSide(SeededResult stored, CampaignDiffSide side)
    {
        Assert.Equal(stored.Caption, side.Caption);
        Assert.Equal(stored.TopLabel, side.TopLabel);
        Assert.Equal(stored.Labels.Count > 0 ? stored.Labels[0].Confidence : null, side.Confidence);
        Assert.Equal(stored.Answers.OrderBy(a => a.Key, StringComparer.Ordinal).Select(a => (a.Key, a.Value)), side.Answers.Select(a => (a.Question, a.Answer)));
    }

    private async Task<CampaignDiff> GetDiffAsync(string path)
    {
        using var response = await _http.GetAsync(path);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path} answered {(int)response.StatusCode}: {body}");
        return JsonSerializer.Deserialize<CampaignDiff>(body)!;
    }

    private async Task AssertProblemAsync(string path, HttpStatusCode status, string detail)
    {
        using var response = await _http.GetAsync(path);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"{path} answered {(int)response.StatusCode}, not {(int)status}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains(detail, body, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>One stored result: its caption, its labels in rank order, its answers by question.</summary>
    private sealed record SeededResult(string Caption, IReadOnlyList<(string Label, double Confidence)> Labels, IReadOnlyDictionary<string, string> Answers)
    {
        public string? TopLabel => Labels.Count > 0 ? Labels[0].Label : null;
    }

    /// <summary>One stored clip, its results under both versions (null where none was stored), and whether the campaign's ledger has it.</summary>
    private sealed record SeededClip(Guid Id, Guid VideoId, int Index, double Start, double End, bool HasThumbnail, bool InLedger, SeededResult? Source, SeededResult? Target)
    {
        public bool CaptionChanged => Source!.Caption != Target!.Caption;
        public bool TopLabelChanged => Source!.TopLabel != Target!.TopLabel;
        public bool AnswersChanged => Source!.Answers.Any(a => Target!.Answers.TryGetValue(a.Key, out var answer) && answer != a.Value);
        public bool AnyChanged => CaptionChanged || TopLabelChanged || AnswersChanged;
    }

    /// <summary>
    /// Two videos of 20 clips. Against the source: every third clip's caption changes; every fifth clip's top label
    /// moves to the next direction, clip 7 loses its labels (its second label changes everywhere, which is no change);
    /// clips with k % 4 == 1 answer the colour differently and drop the size question; clips with k % 7 == 2 add a
    /// question (no change). Clip 3 has only a target result, clip 4 only a source one; clips 38 and 39 changed but
    /// are not in the ledger.
    /// </summary>
    private async Task<(Guid Campaign, List<SeededClip> Clips, string Source, string Target)> SeedAsync()
    {
        var now = DateTimeOffset.UtcNow;
        var sourceVersion = new ModelVersion { Name = $"diff-source-{Guid.NewGuid():N}"[..24], Checksum = "sha256:01", CreatedAt = now, EmbeddingDimension = 2 };
        var targetVersion = new ModelVersion { Name = $"diff-target-{Guid.NewGuid():N}"[..24], Checksum = "sha256:02", CreatedAt = now, EmbeddingDimension = 2 };
        var seeded = new List<SeededClip>();
        await using var db = new ResultsDbContext(ResultsDbContextOptions.Create(Stack.ConnectionString));
        db.ModelVersions.AddRange(sourceVersion, targetVersion);
        var videos = Enumerable.Range(0, 2).Select(_ => new Video
        {
            Id = Guid.NewGuid(),
            TenantId = Tenant.DefaultId,
            FileName = "squares.mp4",
            BlobPath = "videos/squares.mp4",
            SizeBytes = 1000,
            DurationSeconds = 40,
            State = VideoState.Completed,
            ClipLengthSeconds = 2,
            FramesPerClip = 8,
            CreatedAt = now,
            UpdatedAt = now,
            ClipsTotal = 20,
            ClipsDone = 20,
        }).ToList();
        for (var k = 0; k < 40; k++)
        {
            var video = videos[k / 20];
            var index = k % 20;
            var clip = new Clip
            {
                Id = Guid.NewGuid(), Index = index, StartSeconds = index * 2, EndSeconds = index * 2 + 2, State = ClipState.Analysed,
                ThumbnailPath = k % 2 == 0 ? $"videos/{video.Id}/clips/{index}/thumb.jpg" : null,
            };
            video.Clips.Add(clip);
            var direction = Directions[k % 4];
            var source = new SeededResult($"a {Colours[k % 3]} square moves {direction}",
                [($"moving {direction}", 0.9 - k / 100.0), ("staying still", 0.05)],
                new Dictionary<string, string> { [Colour] = Colours[k % 3], [Size] = "large" });
            var targetAnswers = k % 4 == 1 ? new Dictionary<string, string> { [Colour] = Colours[(k + 2) % 3] }
                : k % 7 == 2 ? new Dictionary<string, string>(source.Answers) { [Direction] = direction }
                : new Dictionary<string, string>(source.Answers);
            IReadOnlyList<(string, double)> targetLabels = k == 7 ? []
                : k % 5 == 0 ? [($"moving {Directions[(k + 1) % 4]}", 0.8), ($"moving {direction}", 0.1)]
                : [($"moving {direction}", 0.85 - k / 100.0), ("growing", 0.07)];
            var target = new SeededResult(k % 3 == 0 ? $"a {Colours[(k + 1) % 3]} square moves {direction}" : source.Caption, targetLabels, targetAnswers);
            seeded.Add(new SeededClip(clip.Id, video.Id, index, clip.StartSeconds, clip.EndSeconds, clip.ThumbnailPath is not null,
                InLedger: k < 38, Source: k == 3 ? null : source, Target: k == 4 ? null : target));
        }
        db.Videos.AddRange(videos);
        await db.SaveChangesAsync();

        foreach (var clip in seeded)
        {
            if (clip.Source is { } s) db.ClipResults.Add(NewResult(clip.Id, sourceVersion.Id, s, now));
            if (clip.Target is { } t) db.ClipResults.Add(NewResult(clip.Id, targetVersion.Id, t, now));
        }
        var campaign = new Campaign
        {
            Id = Guid.NewGuid(),
            TargetVersionId = targetVersion.Id,
            SourceVersionId = sourceVersion.Id,
            State = CampaignState.Running,
            ClipsPerMinute = 600,
            TimeZone = "UTC",
            ClipsTotal = seeded.Count(c => c.InLedger),
            CreatedAt = now,
            UpdatedAt = now,
        };
        db.Campaigns.Add(campaign);
        foreach (var clip in seeded.Where(c => c.InLedger))
        {
            db.CampaignClips.Add(new CampaignClip
            {
                CampaignId = campaign.Id, ClipId = clip.Id, VideoId = clip.VideoId,
                State = clip.Target is null ? CampaignClipState.Queued : CampaignClipState.Done, PublishedAt = now,
            });
        }
        await db.SaveChangesAsync();
        return (campaign.Id, seeded, sourceVersion.Name, targetVersion.Name);
    }

    private async Task<Guid> SeedCampaignWithoutSourceAsync()
    {
        var now = DateTimeOffset.UtcNow;
        await using var db = new ResultsDbContext(ResultsDbContextOptions.Create(Stack.ConnectionString));
        var version = new ModelVersion { Name = $"diff-first-{Guid.NewGuid():N}"[..24], Checksum = "sha256:03", CreatedAt = now };
        db.ModelVersions.Add(version);
        await db.SaveChangesAsync();
        var campaign = new Campaign
        {
            Id = Guid.NewGuid(), TargetVersionId = version.Id, State = CampaignState.Running, ClipsPerMinute = 600, TimeZone = "UTC",
            CreatedAt = now, UpdatedAt = now,
        };
        db.Campaigns.Add(campaign);
        await db.SaveChangesAsync();
        return campaign.Id;
    }

    private static ClipResult NewResult(Guid clipId, int versionId, SeededResult stored, DateTimeOffset now)
    {
        var result = new ClipResult { ClipId = clipId, ModelVersionId = versionId, Caption = stored.Caption, Embedding = new Vector(new[] { 0.6f, 0.8f }), CreatedAt = now };
        result.Labels.AddRange(stored.Labels.Select((l, rank) => new ClipLabel { Label = l.Label, Confidence = l.Confidence, Rank = rank }));
        result.Answers.AddRange(stored.Answers.Select(a => new ClipAnswer { Question = a.Key, Answer = a.Value }));
        return result;
    }
}
