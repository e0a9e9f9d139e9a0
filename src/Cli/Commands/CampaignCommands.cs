using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Spectre.Console;
using VideoCoca.Cli.Console;
using VideoCoca.Cli.Platform;
using VideoCoca.Contracts.Api;

namespace VideoCoca.Cli.Commands;

/// <summary><c>vcp campaigns</c>: re-analyse the catalogue under a model version, follow it, steer it, and see what changed.</summary>
public static class CampaignCommands
{
    private static readonly Option<Uri> GatewayOption = GatewayAddressOption.Create();
    private static readonly Option<bool> JsonOption = new("--json") { Description = "print JSON" };

    /// <summary>How often <c>show --follow</c> asks the gateway.</summary>
    private static readonly TimeSpan FollowInterval = TimeSpan.FromSeconds(2);

    public static Command Create()
    {
        var campaigns = new Command("campaigns", "re-analyse (part of) the catalogue under a model version, at a rate, in a daily window");
        campaigns.Subcommands.Add(Start());
        campaigns.Subcommands.Add(List());
        campaigns.Subcommands.Add(Show());
        campaigns.Subcommands.Add(Control("pause", "stop publishing clips; resume goes on where it stopped"));
        campaigns.Subcommands.Add(Control("resume", "go on with a paused campaign"));
        campaigns.Subcommands.Add(Control("cancel", "stop a campaign for good (clips already published still finish)"));
        campaigns.Subcommands.Add(Diff());
        return campaigns;
    }

    private static Command Start()
    {
        var version = new Option<string>("--model-version") { Description = "the model version to analyse the clips under (its registered name)", Required = true };
        var after = DateOption("--uploaded-after", "only videos uploaded at or after this date or instant (UTC unless it has an offset)");
        var before = DateOption("--uploaded-before", "only videos uploaded before this date or instant (UTC unless it has an offset)");
        var videos = new Option<Guid[]>("--video") { Description = "only this video (repeatable)" };
        var rate = new Option<int?>("--rate") { Description = "clips published per minute, at most (the gateway's default: 600)" };
        var window = new Option<string?>("--window") { Description = "a daily window HH:mm-HH:mm, e.g. 01:00-05:00 (one that ends before it starts runs over midnight)" };
        var zone = new Option<string?>("--time-zone") { Description = "the IANA time zone the window is read in (the platform's configured zone by default)" };
        var activate = new Option<bool>("--activate") { Description = "make the version the active one when every clip in scope is analysed under it" };
        var command = new Command("start", "start a campaign over every finished video, or those the options pick")
        {
            version, after, before, videos, rate, window, zone, activate, GatewayOption, JsonOption,
        };
        command.SetGuardedAction(async (parse, cancellationToken) =>
        {
            var request = BuildRequest(parse.GetValue(version)!, parse.GetValue(after), parse.GetValue(before), parse.GetValue(videos) ?? [],
                parse.GetValue(rate), parse.GetValue(window), parse.GetValue(zone), parse.GetValue(activate));
            using var client = new GatewayClient(parse.GetValue(GatewayOption)!);
            Print(await client.StartCampaignAsync(request, cancellationToken), parse.GetValue(JsonOption));
            return 0;
        });
        return command;
    }

    /// <summary>The request the options describe, refused here (one line, no gateway call) when an option cannot be right.</summary>
    public static CampaignRequest BuildRequest(
        string version, DateTimeOffset? after, DateTimeOffset? before, IReadOnlyList<Guid> videos,
        int? rate, string? window, string? zone, bool activate)
    {
        if (string.IsNullOrWhiteSpace(version)) throw new UserInputException("--model-version must name a model version");
        if (after is { } a && before is { } b && a >= b) throw new UserInputException("--uploaded-after must be earlier than --uploaded-before");
        if (rate is < 1) throw new UserInputException("--rate must be at least 1 clip per minute");
        if (window is not null && !IsWindow(window)) throw new UserInputException($"--window must be HH:mm-HH:mm (e.g. 01:00-05:00), not '{window}'");
        if (zone is not null && string.IsNullOrWhiteSpace(zone)) throw new UserInputException("--time-zone must name a time zone (e.g. Europe/Paris)");
        var scoped = after is not null || before is not null || videos.Count > 0;
        return new CampaignRequest
        {
            ModelVersion = version.Trim(),
            Scope = scoped ? new CampaignScope { UploadedAfter = after, UploadedBefore = before, VideoIds = videos.Count > 0 ? videos.Distinct().ToList() : null } : null,
            ClipsPerMinute = rate,
            Window = window?.Trim(),
            TimeZone = zone?.Trim(),
            ActivateOnCompletion = activate,
        };
    }

    private static bool IsWindow(string text)
    {
        var parts = text.Trim().Split('-');
        return parts.Length == 2 && parts.All(p => TimeOnly.TryParseExact(p, "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out _));
    }

    /// <summary>A date or an instant; without an offset it is read as UTC, so that the scope does not depend on the operator's machine.</summary>
    private static Option<DateTimeOffset?> DateOption(string name, string description) => new(name)
    {
        Description = description,
        CustomParser = result =>
        {
            var text = result.Tokens.Count > 0 ? result.Tokens[^1].Value : "";
            if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var value)) return value;
            result.AddError($"{name} must be a date or an instant (2026-01-31 or 2026-01-31T18:00:00+01:00), not '{text}'");
            return null;
        },
    };

    private static Command List()
    {
        var page = new Option<int>("--page") { Description = "page, from 1", DefaultValueFactory = _ => 1 };
        var pageSize = new Option<int>("--page-size") { Description = "campaigns per page, 1 to 100", DefaultValueFactory = _ => 20 };
        var command = new Command("list", "campaigns, newest first") { page, pageSize, GatewayOption, JsonOption };
        command.SetGuardedAction(async (parse, cancellationToken) =>
        {
            using var client = new GatewayClient(parse.GetValue(GatewayOption)!);
            var result = await client.ListCampaignsAsync(parse.GetValue(page), parse.GetValue(pageSize), cancellationToken);
            if (parse.GetValue(JsonOption))
            {
                System.Console.WriteLine(JsonSerializer.Serialize(result));
                return 0;
            }
            MarkdownTable.Print(["id", "state", "version", "from", ">done", ">failed", ">total", "window", "eta", "created"], result.Items.Select(c => (IReadOnlyList<string>)
            [
                c.Id.ToString(), c.State, c.ModelVersion, c.SourceModelVersion ?? "", Whole(c.Done), Whole(c.Failed), Whole(c.Total),
                c.Window is null ? "any time" : $"{c.Window} {c.TimeZone}", Eta(c.EtaSeconds), c.CreatedAt.ToString("u", CultureInfo.InvariantCulture),
            ]));
            System.Console.WriteLine($"page {result.Page} of {Math.Max(1, (result.Total + result.PageSize - 1) / result.PageSize)}, {result.Total} campaigns");
            return 0;
        });
        return command;
    }

    private static Command Show()
    {
        var id = new Argument<Guid>("id") { Description = "campaign id" };
        var follow = new Option<bool>("--follow") { Description = "follow it with a progress bar (done and failed over total) until it completes, is cancelled or fails" };
        var command = new Command("show", "a campaign: state, done/failed/total, ETA") { id, follow, GatewayOption, JsonOption };
        command.SetGuardedAction(async (parse, cancellationToken) =>
        {
            using var client = new GatewayClient(parse.GetValue(GatewayOption)!);
            var campaign = parse.GetValue(follow)
                ? await FollowAsync(client, parse.GetValue(id), cancellationToken)
                : await client.GetCampaignAsync(parse.GetValue(id), cancellationToken);
            Print(campaign, parse.GetValue(JsonOption));
            return parse.GetValue(follow) && campaign.State == CampaignStates.Failed ? CommandRunner.Failure : 0;
        });
        return command;
    }

    /// <summary>Polls the campaign until it is over, showing done and failed over total, its state and its ETA.</summary>
    public static Task<CampaignInfo> FollowAsync(GatewayClient client, Guid id, CancellationToken cancellationToken) =>
        CommandRunner.WithProgressAsync("campaign", async report =>
        {
            while (true)
            {
                var campaign = await client.GetCampaignAsync(id, cancellationToken);
                report(campaign.Done + campaign.Failed, Math.Max(1, campaign.Total), Status(campaign));
                if (IsOver(campaign.State)) return campaign;
                await Task.Delay(FollowInterval, cancellationToken);
            }
        });

    public static bool IsOver(string state) => state is CampaignStates.Completed or CampaignStates.Cancelled or CampaignStates.Failed;

    private static Command Control(string action, string description)
    {
        var id = new Argument<Guid>("id") { Description = "campaign id" };
        var command = new Command(action, description) { id, GatewayOption, JsonOption };
        command.SetGuardedAction(async (parse, cancellationToken) =>
        {
            using var client = new GatewayClient(parse.GetValue(GatewayOption)!);
            Print(await client.ControlCampaignAsync(parse.GetValue(id), action, cancellationToken), parse.GetValue(JsonOption));
            return 0;
        });
        return command;
    }

    private static Command Diff()
    {
        var id = new Argument<Guid>("id") { Description = "campaign id" };
        var examples = new Option<int>("--examples") { Description = "clips to show side by side, 0 to 100", DefaultValueFactory = _ => 5 };
        var changed = new Option<string>("--changed") { Description = "which clips the examples show: caption, top_label, answers or any", DefaultValueFactory = _ => CampaignDiffChanges.Any };
        var page = new Option<int>("--page") { Description = "page of examples, from 1", DefaultValueFactory = _ => 1 };
        var command = new Command("diff", "what changed between the version before the campaign and its version: counts, per label, examples")
        {
            id, examples, changed, page, GatewayOption, JsonOption,
        };
        command.SetGuardedAction(async (parse, cancellationToken) =>
        {
            var count = parse.GetValue(examples);
            if (count is < 0 or > 100) throw new UserInputException("--examples must be between 0 and 100");
            var filter = parse.GetValue(changed)!.Trim().ToLowerInvariant();
            if (!CampaignDiffChanges.Filters.Contains(filter)) throw new UserInputException($"--changed must be one of {string.Join(", ", CampaignDiffChanges.Filters)}");
            if (parse.GetValue(page) < 1) throw new UserInputException("--page must be at least 1");
            using var client = new GatewayClient(parse.GetValue(GatewayOption)!);
            var diff = await client.GetCampaignDiffAsync(parse.GetValue(id), filter, parse.GetValue(page), Math.Max(1, count), cancellationToken);
            if (parse.GetValue(JsonOption)) System.Console.WriteLine(JsonSerializer.Serialize(diff));
            else PrintDiff(diff, count);
            return 0;
        });
        return command;
    }

    private static void PrintDiff(CampaignDiff diff, int examples)
    {
        System.Console.WriteLine($"{diff.SourceModelVersion} -> {diff.TargetModelVersion}: {diff.Compared} clips with results under both"
            + (diff.OnlyTarget > 0 ? $", {diff.OnlyTarget} with a result under {diff.TargetModelVersion} only" : ""));
        MarkdownTable.Print(["changed", ">clips", ">share"],
        [
            ["caption", Whole(diff.Changed.Caption), Share(diff.Changed.Caption, diff.Compared)],
            ["top label", Whole(diff.Changed.TopLabel), Share(diff.Changed.TopLabel, diff.Compared)],
            ["answers", Whole(diff.Changed.Answers), Share(diff.Changed.Answers, diff.Compared)],
            ["any", Whole(diff.Changed.Any), Share(diff.Changed.Any, diff.Compared)],
        ]);
        if (diff.PerLabel.Count > 0)
        {
            System.Console.WriteLine();
            MarkdownTable.Print(["top label before", ">clips", ">changed", "now"], diff.PerLabel.Select(l => (IReadOnlyList<string>)
            [
                l.Label, Whole(l.Clips), Whole(l.Changed),
                string.Join(", ", l.ChangedTo.Select(t => $"{t.Label ?? "(none)"} {t.Clips}")),
            ]));
        }
        if (examples == 0) return;
        System.Console.WriteLine();
        var page = diff.Examples;
        if (page.Items.Count == 0)
        {
            System.Console.WriteLine(page.Total == 0 ? $"no clip changed ({page.Changed})" : $"no examples on page {page.Page} of {page.Total} clips");
            return;
        }
        System.Console.WriteLine($"examples ({page.Changed} changed), {page.Items.Count} of {page.Total}, page {page.Page}:");
        var table = new Table().Border(TableBorder.Square).ShowRowSeparators();
        table.AddColumn("clip");
        table.AddColumn(Markup.Escape(diff.SourceModelVersion));
        table.AddColumn(Markup.Escape(diff.TargetModelVersion));
        foreach (var example in page.Items)
        {
            table.AddRow(
                new Text($"{example.VideoId}\n#{example.ClipIndex} {ModelCommands.Timecode(example.StartSeconds)}-{ModelCommands.Timecode(example.EndSeconds)}\nchanged: {string.Join(", ", example.Changed)}"),
                new Text(Side(example.Before)),
                new Text(Side(example.After)));
        }
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(System.Console.Out),
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
        });
        if (System.Console.IsOutputRedirected) console.Profile.Width = 200;
        console.Write(table);
    }

    private static string Side(CampaignDiffSide side)
    {
        var lines = new List<string> { side.Caption };
        lines.Add(side.TopLabel is null ? "label: (none)" : string.Create(CultureInfo.InvariantCulture, $"label: {side.TopLabel} ({side.Confidence:0.00})"));
        lines.AddRange(side.Answers.Select(a => $"{a.Question} {a.Answer}"));
        return string.Join('\n', lines);
    }

    private static void Print(CampaignInfo campaign, bool json)
    {
        if (json)
        {
            System.Console.WriteLine(JsonSerializer.Serialize(campaign));
            return;
        }
        System.Console.WriteLine($"{campaign.Id}  {campaign.State}  {campaign.SourceModelVersion ?? "(no version)"} -> {campaign.ModelVersion}");
        System.Console.WriteLine($"  {Status(campaign)}");
        System.Console.WriteLine($"  scope: {Scope(campaign.Scope)}");
        System.Console.WriteLine($"  rate: {campaign.ClipsPerMinute} clips/min, window: {(campaign.Window is null ? "any time" : $"{campaign.Window} {campaign.TimeZone}{(campaign.InWindow ? " (open)" : " (closed)")}")}"
            + (campaign.ActivateOnCompletion ? $", activates {campaign.ModelVersion} on completion" : ""));
        if (campaign.Detail is { } detail) System.Console.WriteLine($"  {detail}");
        System.Console.WriteLine($"  created {campaign.CreatedAt.ToString("u", CultureInfo.InvariantCulture)}"
            + (campaign.FinishedAt is { } finished ? $", finished {finished.ToString("u", CultureInfo.InvariantCulture)}" : ""));
    }

    /// <summary>"running: 120/400 done, 3 failed, 8 in flight, ETA 12m 30s".</summary>
    private static string Status(CampaignInfo campaign) =>
        $"{campaign.State}: {campaign.Done}/{campaign.Total} done, {campaign.Failed} failed"
        + (campaign.InFlight > 0 ? $", {campaign.InFlight} in flight" : "")
        + (campaign.EtaSeconds is { } eta ? $", ETA {Eta(eta)}" : "");

    private static string Scope(CampaignScope scope)
    {
        var parts = new List<string>();
        if (scope.UploadedAfter is { } after) parts.Add($"uploaded from {after.ToString("u", CultureInfo.InvariantCulture)}");
        if (scope.UploadedBefore is { } before) parts.Add($"uploaded before {before.ToString("u", CultureInfo.InvariantCulture)}");
        if (scope.VideoIds is { Count: > 0 } ids) parts.Add(ids.Count == 1 ? $"video {ids[0]}" : $"{ids.Count} videos");
        return parts.Count == 0 ? "every finished video" : string.Join(", ", parts);
    }

    /// <summary>Seconds as "1h 05m", "12m 30s" or "45s"; "" when there is no estimate.</summary>
    public static string Eta(double? seconds)
    {
        if (seconds is not { } s || double.IsNaN(s) || s < 0) return "";
        var span = TimeSpan.FromSeconds(Math.Round(s));
        return span.TotalHours >= 1 ? $"{(int)span.TotalHours}h {span.Minutes:00}m"
            : span.TotalMinutes >= 1 ? $"{span.Minutes}m {span.Seconds:00}s"
            : $"{span.Seconds}s";
    }

    private static string Whole(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Share(int part, int whole) =>
        whole == 0 ? "" : string.Create(CultureInfo.InvariantCulture, $"{100.0 * part / whole:0.0}%");
}
