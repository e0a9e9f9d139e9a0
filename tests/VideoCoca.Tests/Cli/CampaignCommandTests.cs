using System.Net;
using System.Text;
using System.Text.Json;
using VideoCoca.Contracts.Api;

namespace VideoCoca.Tests.Cli;

/// <summary>
/// <c>vcp campaigns</c> as a user runs it, against a stand-in gateway that records what it is asked and answers as the API
/// documents: the options become the request the API takes, the answers are printed, bad options never reach the gateway.
/// </summary>
public sealed class CampaignCommandTests : IDisposable
{
    private readonly StubGateway _gateway = new();

    public void Dispose() => _gateway.Dispose();

    private CliProcess.Result Run(params string[] args) => CliProcess.Run([.. args, "--gateway", _gateway.Address]);

    [Fact]
    public void Start_sends_the_version_scope_rate_window_and_activation()
    {
        var (first, second) = (Guid.NewGuid(), Guid.NewGuid());
        var campaign = Campaign(CampaignStates.Running, done: 0, total: 40);
        _gateway.Respond = _ => (201, JsonSerializer.Serialize(campaign));

        var result = Run("campaigns", "start", "--model-version", "world-v2", "--uploaded-after", "2026-01-01", "--uploaded-before", "2026-02-01T12:00:00+01:00",
            "--video", first.ToString(), "--video", second.ToString(), "--rate", "120", "--window", "01:00-05:00", "--time-zone", "Europe/Paris", "--activate");

        Assert.True(result.ExitCode == 0, result.Stderr);
        var request = Assert.Single(_gateway.Requests);
        Assert.Equal(("POST", "/api/campaigns"), (request.Method, request.Path));
        using var body = JsonDocument.Parse(request.Body);
        var root = body.RootElement;
        Assert.Equal("world-v2", root.GetProperty("model_version").GetString());
        var scope = root.GetProperty("scope");
        Assert.Equal(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero), scope.GetProperty("uploaded_after").GetDateTimeOffset());
        Assert.Equal(new DateTimeOffset(2026, 2, 1, 11, 0, 0, TimeSpan.Zero), scope.GetProperty("uploaded_before").GetDateTimeOffset());
        Assert.Equal(new[] { first, second }, scope.GetProperty("video_ids").EnumerateArray().Select(v => v.GetGuid()));
        Assert.Equal(120, root.GetProperty("clips_per_minute").GetInt32());
        Assert.Equal("01:00-05:00", root.GetProperty("window").GetString());
        Assert.Equal("Europe/Paris", root.GetProperty("time_zone").GetString());
        Assert.True(root.GetProperty("activate_on_completion").GetBoolean());
        Assert.Contains(campaign.Id.ToString(), result.Stdout);
        Assert.Contains("running: 0/40 done", result.Stdout);
    }

    [Fact]
    public void Start_with_only_a_version_leaves_the_rest_to_the_gateway()
    {
        _gateway.Respond = _ => (201, JsonSerializer.Serialize(Campaign(CampaignStates.Running, done: 0, total: 3)));

        var result = Run("campaigns", "start", "--model-version", "world-v2");

        Assert.True(result.ExitCode == 0, result.Stderr);
        using var body = JsonDocument.Parse(Assert.Single(_gateway.Requests).Body);
        Assert.Equal(new[] { "activate_on_completion", "model_version" }, body.RootElement.EnumerateObject().Select(p => p.Name).Order());
        Assert.False(body.RootElement.GetProperty("activate_on_completion").GetBoolean());
    }

    [Theory]
    [InlineData("--rate", "0", "--rate must be at least 1")]
    [InlineData("--window", "25:00-05:00", "--window must be HH:mm-HH:mm")]
    [InlineData("--window", "01:00", "--window must be HH:mm-HH:mm")]
    [InlineData("--uploaded-after", "2026-03-01", "--uploaded-after must be earlier than --uploaded-before")]
    public void Start_with_an_impossible_option_is_refused_before_the_gateway_is_asked(string option, string value, string expected)
    {
        var result = Run("campaigns", "start", "--model-version", "world-v2", "--uploaded-before", "2026-02-01", option, value);

        Assert.NotEqual(0, result.ExitCode);
        var line = Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("error: ", line);
        Assert.Contains(expected, line);
        Assert.Empty(_gateway.Requests);
    }

    [Theory]
    [InlineData("pause", CampaignStates.Paused)]
    [InlineData("resume", CampaignStates.Running)]
    [InlineData("cancel", CampaignStates.Cancelled)]
    public void Pause_resume_and_cancel_post_to_the_campaign(string action, string state)
    {
        var campaign = Campaign(state, done: 5, total: 10);
        _gateway.Respond = _ => (200, JsonSerializer.Serialize(campaign));

        var result = Run("campaigns", action, campaign.Id.ToString());

        Assert.True(result.ExitCode == 0, result.Stderr);
        var request = Assert.Single(_gateway.Requests);
        Assert.Equal(("POST", $"/api/campaigns/{campaign.Id}/{action}"), (request.Method, request.Path));
        Assert.Contains($"{state}: 5/10 done", result.Stdout);
    }

    [Fact]
    public void Show_follow_polls_until_the_campaign_is_over()
    {
        var id = Guid.NewGuid();
        var answers = new Queue<CampaignInfo>([
            Campaign(CampaignStates.Running, done: 1, total: 4, id: id, eta: 90),
            Campaign(CampaignStates.Running, done: 3, total: 4, id: id, eta: 20),
            Campaign(CampaignStates.Completed, done: 4, total: 4, id: id),
        ]);
        _gateway.Respond = _ => (200, JsonSerializer.Serialize(answers.Count > 1 ? answers.Dequeue() : answers.Peek()));

        var result = Run("campaigns", "show", id.ToString(), "--follow");

        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Equal(3, _gateway.Requests.Count);
        Assert.All(_gateway.Requests, r => Assert.Equal(("GET", $"/api/campaigns/{id}"), (r.Method, r.Path)));
        Assert.Contains("completed: 4/4 done, 0 failed", result.Stdout);
        // Not a terminal: the progress comes as plain lines on stderr.
        Assert.Contains("campaign 1/4 running", result.Stderr);
    }

    [Fact]
    public void Show_follow_of_a_campaign_that_fails_exits_non_zero()
    {
        _gateway.Respond = _ => (200, JsonSerializer.Serialize(Campaign(CampaignStates.Failed, done: 2, total: 4, detail: "the model version is gone")));

        var result = Run("campaigns", "show", Guid.NewGuid().ToString(), "--follow");

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("the model version is gone", result.Stdout);
    }

    [Fact]
    public void Diff_prints_the_counts_the_labels_and_examples_side_by_side()
    {
        var id = Guid.NewGuid();
        var diff = new CampaignDiff
        {
            CampaignId = id,
            SourceModelVersion = "world-v1",
            TargetModelVersion = "world-v2",
            Compared = 40,
            OnlyTarget = 2,
            Changed = new CampaignDiffCounts { Caption = 10, TopLabel = 4, Answers = 6, Any = 15 },
            PerLabel = [new CampaignLabelDiff { Label = "moving left", Clips = 12, Changed = 3, ChangedTo = [new CampaignLabelCount { Label = "moving right", Clips = 3 }] }],
            Examples = new CampaignDiffExamplePage
            {
                Changed = "any", Page = 1, PageSize = 3, Total = 15,
                Items =
                [
                    new CampaignDiffExample
                    {
                        ClipId = Guid.NewGuid(), VideoId = Guid.NewGuid(), ClipIndex = 2, StartSeconds = 4, EndSeconds = 6, Changed = ["caption", "top_label"],
                        Before = new CampaignDiffSide { Caption = "a red square moves left", TopLabel = "moving left", Confidence = 0.9, Answers = [] },
                        After = new CampaignDiffSide { Caption = "a blue square moves right", TopLabel = "moving right", Confidence = 0.8, Answers = [] },
                    },
                ],
            },
        };
        _gateway.Respond = _ => (200, JsonSerializer.Serialize(diff));

        var result = Run("campaigns", "diff", id.ToString(), "--examples", "3");

        Assert.True(result.ExitCode == 0, result.Stderr);
        var request = Assert.Single(_gateway.Requests);
        Assert.Equal(("GET", $"/api/campaigns/{id}/diff?changed=any&page=1&page_size=3"), (request.Method, request.Path));
        var lines = result.Stdout.Split('\n').Select(l => l.Trim()).ToList();
        Assert.Contains("world-v1 -> world-v2: 40 clips with results under both, 2 with a result under world-v2 only", lines);
        Assert.Contains(lines, l => l.StartsWith("| caption", StringComparison.Ordinal) && l.Contains(" 10 |") && l.Contains("25.0%"));
        Assert.Contains(lines, l => l.StartsWith("| moving left", StringComparison.Ordinal) && l.Contains("moving right 3"));
        // Before and after on one line of the side-by-side table.
        Assert.Contains(lines, l => l.Contains("a red square moves left") && l.Contains("a blue square moves right"));
    }

    [Fact]
    public void A_refusal_from_the_gateway_is_one_line()
    {
        var id = Guid.NewGuid();
        _gateway.Respond = _ => (409, $$"""{"title":"Nothing to compare against","status":409,"detail":"campaign {{id}} has no source version"}""");

        var result = Run("campaigns", "diff", id.ToString());

        Assert.NotEqual(0, result.ExitCode);
        var line = Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal($"error: the gateway answered 409 (Conflict): campaign {id} has no source version", line);
    }

    private static CampaignInfo Campaign(string state, int done, int total, Guid? id = null, double? eta = null, string? detail = null) => new()
    {
        Id = id ?? Guid.NewGuid(),
        State = state,
        ModelVersion = "world-v2",
        SourceModelVersion = "world-v1",
        Scope = new CampaignScope(),
        ClipsPerMinute = 600,
        TimeZone = "UTC",
        InWindow = true,
        ActivateOnCompletion = false,
        Total = total,
        Done = done,
        Failed = 0,
        InFlight = 0,
        Progress = total == 0 ? 0 : (double)done / total,
        EtaSeconds = eta,
        Detail = detail,
        CreatedAt = DateTimeOffset.UtcNow,
    };

    /// <summary>An HTTP listener on a free loopback port: records each request and answers with <see cref="Respond"/>.</summary>
    private sealed class StubGateway : IDisposable
    {
        private readonly HttpListener _listener;
        private readonly List<Recorded> _requests = [];

        public sealed record Recorded(string Method, string Path, string Body);

        public string Address { get; }

        public Func<Recorded, (int Status, string Body)> Respond { get; set; } = _ => (404, "{}");

        public IReadOnlyList<Recorded> Requests
        {
            get { lock (_requests) return [.. _requests]; }
        }

        public StubGateway()
        {
            (_listener, var address) = LoopbackListener.Start();
            Address = address;
            _ = ServeAsync();
        }

        private async Task ServeAsync()
        {
            while (_listener.IsListening)
            {
                HttpListenerContext context;
                try { context = await _listener.GetContextAsync(); }
                catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException) { return; }
                using var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8);
                var recorded = new Recorded(context.Request.HttpMethod, context.Request.Url!.PathAndQuery, await reader.ReadToEndAsync());
                lock (_requests) _requests.Add(recorded);
                var (status, body) = Respond(recorded);
                var bytes = Encoding.UTF8.GetBytes(body);
                context.Response.StatusCode = status;
                context.Response.ContentType = status >= 400 ? "application/problem+json" : "application/json";
                context.Response.ContentLength64 = bytes.Length;
                await context.Response.OutputStream.WriteAsync(bytes);
                context.Response.Close();
            }
        }

        public void Dispose() => _listener.Close();
    }
}
