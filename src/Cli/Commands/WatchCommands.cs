using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Text.Json;
using VideoCoca.Cli.Console;
using VideoCoca.Cli.Platform;
using VideoCoca.Contracts.Api;

namespace VideoCoca.Cli.Commands;

/// <summary><c>vcp watch</c> (watchlists) and <c>vcp flags</c> (their review queue) on the gateway's API.</summary>
public static class WatchCommands
{
    private static readonly Option<Uri> GatewayOption = GatewayAddressOption.Create();
    private static readonly Option<bool> JsonOption = new("--json") { Description = "print JSON" };

    public static IEnumerable<Command> Create() => [Watch(), Flags()];

    private static Command Watch()
    {
        var watch = new Command("watch", "watchlists: clips that meet a rule get a flag, the catalogue's and new ones");
        watch.Subcommands.Add(Create_());
        var list = new Command("list", "every watchlist with its rules and its catalogue pass") { GatewayOption, JsonOption };
        list.SetGuardedAction(async (parse, cancellationToken) =>
        {
            using var client = new GatewayClient(parse.GetValue(GatewayOption)!);
            var lists = await client.ListWatchlistsAsync(cancellationToken);
            if (parse.GetValue(JsonOption)) System.Console.WriteLine(JsonSerializer.Serialize(lists));
            else MarkdownTable.Print(["id", "name", "rules", "catalogue pass"], lists.Select(w => (IReadOnlyList<string>)[w.Id.ToString(), w.Name, w.Rules.Count.ToString(CultureInfo.InvariantCulture), Backfill(w.Backfill)]));
            return 0;
        });
        watch.Subcommands.Add(list);
        var showId = new Argument<Guid>("id") { Description = "watchlist id" };
        var show = new Command("show", "a watchlist, its rules and its catalogue pass") { showId, GatewayOption, JsonOption };
        show.SetGuardedAction(async (parse, cancellationToken) =>
        {
            using var client = new GatewayClient(parse.GetValue(GatewayOption)!);
            Print(await client.GetWatchlistAsync(parse.GetValue(showId), cancellationToken), parse.GetValue(JsonOption));
            return 0;
        });
        watch.Subcommands.Add(show);
        var deleteId = new Argument<Guid>("id") { Description = "watchlist id" };
        var delete = new Command("delete", "remove a watchlist and its flags") { deleteId, GatewayOption };
        delete.SetGuardedAction(async (parse, cancellationToken) =>
        {
            using var client = new GatewayClient(parse.GetValue(GatewayOption)!);
            await client.DeleteWatchlistAsync(parse.GetValue(deleteId), cancellationToken);
            System.Console.WriteLine($"deleted {parse.GetValue(deleteId)}");
            return 0;
        });
        watch.Subcommands.Add(delete);
        return watch;
    }

    private static Command Create_()
    {
        var name = new Argument<string>("name") { Description = "the watchlist's name" };
        var labels = new Option<string[]>("--label") { Description = "a label rule: the clip has this label (repeatable)" };
        var confidences = new Option<double[]>("--min-confidence") { Description = "the least confidence of the --label before it (default 0.5)" };
        var phrases = new Option<string[]>("--phrase") { Description = "a phrase rule: in the caption or an answer, any case (repeatable)" };
        var queries = new Option<string[]>("--query") { Description = "a query rule: a search text (repeatable)" };
        var scores = new Option<double[]>("--min-score") { Description = "the least cosine score of the --query before it, -1 to 1 (default 0.5)" };
        var command = new Command("create", "make a watchlist; its rules keep their order on the command line (a flag names the first rule met)")
        {
            name, labels, confidences, phrases, queries, scores, GatewayOption, JsonOption,
        };
        command.SetGuardedAction(async (parse, cancellationToken) =>
        {
            var rules = RulesInOrder(parse);
            if (rules.Count == 0) throw new UserInputException("give at least one rule: --label L, --phrase P or --query Q");
            using var client = new GatewayClient(parse.GetValue(GatewayOption)!);
            Print(await client.CreateWatchlistAsync(parse.GetValue(name)!, rules, cancellationToken), parse.GetValue(JsonOption));
            return 0;
        });
        return command;
    }

    /// <summary>The rules as the options came, in order: --min-confidence and --min-score apply to the rule just before them.</summary>
    private static List<Dictionary<string, object>> RulesInOrder(ParseResult parse)
    {
        var rules = new List<Dictionary<string, object>>();
        var tokens = parse.Tokens;
        for (var i = 0; i < tokens.Count; i++)
        {
            if (tokens[i].Type != TokenType.Option || i + 1 >= tokens.Count) continue;
            var value = tokens[i + 1].Value;
            switch (tokens[i].Value)
            {
                case "--label": rules.Add(new() { ["kind"] = "label", ["label"] = value }); break;
                case "--phrase": rules.Add(new() { ["kind"] = "phrase", ["phrase"] = value }); break;
                case "--query": rules.Add(new() { ["kind"] = "query", ["query"] = value }); break;
                case "--min-confidence":
                    if (rules.LastOrDefault() is not { } label || (string)label["kind"] != "label") throw new UserInputException("--min-confidence must follow a --label");
                    label["min_confidence"] = Number(value, "--min-confidence");
                    break;
                case "--min-score":
                    if (rules.LastOrDefault() is not { } query || (string)query["kind"] != "query") throw new UserInputException("--min-score must follow a --query");
                    query["min_score"] = Number(value, "--min-score");
                    break;
            }
        }
        return rules;
    }

    private static double Number(string text, string option) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) ? value : throw new UserInputException($"{option} takes a number, not '{text}'");

    private static Command Flags()
    {
        var status = new Option<string?>("--status") { Description = "open, confirmed or dismissed" };
        var watchlist = new Option<Guid?>("--watchlist") { Description = "only this watchlist's flags" };
        var video = new Option<Guid?>("--video") { Description = "only this video's flags" };
        var page = new Option<int>("--page") { Description = "page, from 1", DefaultValueFactory = _ => 1 };
        var pageSize = new Option<int>("--page-size") { Description = "flags per page, 1 to 100", DefaultValueFactory = _ => 50 };
        var flags = new Command("flags", "the review queue: flags oldest first") { status, watchlist, video, page, pageSize, GatewayOption, JsonOption };
        flags.SetGuardedAction(async (parse, cancellationToken) =>
        {
            using var client = new GatewayClient(parse.GetValue(GatewayOption)!);
            var result = await client.ListFlagsAsync(parse.GetValue(status), parse.GetValue(watchlist), parse.GetValue(video), parse.GetValue(page), parse.GetValue(pageSize), cancellationToken);
            if (parse.GetValue(JsonOption))
            {
                System.Console.WriteLine(JsonSerializer.Serialize(result));
                return 0;
            }
            MarkdownTable.Print(["id", "watchlist", "video", "clip", "caption", "reason", "status", "reviewed by"], result.Items.Select(f => (IReadOnlyList<string>)
            [
                f.Id.ToString(), f.WatchlistName, f.VideoId.ToString(),
                $"{f.ClipIndex} ({ModelCommands.Timecode(f.StartSeconds)}-{ModelCommands.Timecode(f.EndSeconds)})",
                f.Caption ?? "", f.Reason, f.Status, f.ReviewedBy ?? "",
            ]));
            System.Console.WriteLine($"page {result.Page} of {Math.Max(1, (result.Total + result.PageSize - 1) / result.PageSize)}, {result.Total} flags");
            return 0;
        });

        var id = new Argument<Guid>("id") { Description = "flag id" };
        var reviewStatus = new Option<string>("--status") { Description = "confirmed, dismissed or open", Required = true };
        var note = new Option<string?>("--note") { Description = "why" };
        var reviewer = new Option<string?>("--reviewer") { Description = "who reviews (default: $USER)", DefaultValueFactory = _ => Environment.GetEnvironmentVariable("USER") };
        var review = new Command("review", "confirm, dismiss or reopen a flag") { id, reviewStatus, note, reviewer, GatewayOption, JsonOption };
        review.SetGuardedAction(async (parse, cancellationToken) =>
        {
            using var client = new GatewayClient(parse.GetValue(GatewayOption)!);
            var flag = await client.ReviewFlagAsync(parse.GetValue(id), parse.GetValue(reviewStatus)!, parse.GetValue(note), parse.GetValue(reviewer), cancellationToken);
            System.Console.WriteLine(parse.GetValue(JsonOption) ? JsonSerializer.Serialize(flag) : $"{flag.Id} {flag.Status} by {flag.ReviewedBy} at {flag.ReviewedAt:u}");
            return 0;
        });
        flags.Subcommands.Add(review);
        return flags;
    }

    private static void Print(WatchlistInfo watchlist, bool json)
    {
        if (json)
        {
            System.Console.WriteLine(JsonSerializer.Serialize(watchlist));
            return;
        }
        System.Console.WriteLine($"{watchlist.Id}  {watchlist.Name}  (catalogue pass: {Backfill(watchlist.Backfill)})");
        foreach (var rule in watchlist.Rules)
        {
            System.Console.WriteLine(rule.Kind switch
            {
                "label" => string.Create(CultureInfo.InvariantCulture, $"  label '{rule.Label}' at {rule.MinConfidence:0.00} or more"),
                "query" => string.Create(CultureInfo.InvariantCulture, $"  query '{rule.Query}' scoring {rule.MinScore:0.00} or more"),
                _ => $"  phrase '{rule.Phrase}' in the caption or an answer",
            });
        }
    }

    private static string Backfill(WatchlistBackfill backfill) =>
        backfill.State + (backfill.Flags is { } flags ? $", {flags} flags" : "") + (backfill.Error is { } error ? $" ({error})" : "");
}
