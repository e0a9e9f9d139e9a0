using System.CommandLine;
using System.Globalization;
using VideoCoca.Cli.Console;
using VideoCoca.Cli.Platform;

namespace VideoCoca.Cli.Commands;

/// <summary>Search the analysed catalogue and ask about a video's clips, through the gateway.</summary>
public static class SearchCommands
{
    public static IEnumerable<Command> Create() => [Search(), Ask()];

    private static readonly Option<Uri> GatewayOption = GatewayAddressOption.Create();
    private static readonly Option<bool> JsonOption = new("--json") { Description = "print the gateway's JSON" };

    private static Command Search()
    {
        var query = new Argument<string>("query") { Description = "what to look for, in natural language" };
        var mode = new Option<string?>("--mode") { Description = "hybrid (default), semantic or text" };
        mode.AcceptOnlyFromAmong("hybrid", "semantic", "text");
        var videos = new Option<Guid[]>("--video") { Description = "only clips of this video (repeatable)", AllowMultipleArgumentsPerToken = false };
        var label = new Option<string?>("--label") { Description = "only clips given this action label" };
        var minConfidence = new Option<double?>("--min-confidence") { Description = "the label's least confidence, 0 to 1 (needs --label)" };
        var limit = new Option<int?>("--limit") { Description = "clips to show, 1 to 100 (default 20)" };
        var rerank = new Option<bool>("--rerank") { Description = "re-score the best candidates by the model's decoder (slower, on a worker)" };
        var command = new Command("search", "search the analysed clips of every video: score, video, time range, caption")
        {
            query, mode, videos, label, minConfidence, limit, rerank, GatewayOption, JsonOption,
        };
        command.SetGuardedAction(async (parse, cancellationToken) =>
        {
            if (parse.GetValue(minConfidence) is not null && parse.GetValue(label) is null)
            {
                throw new UserInputException("--min-confidence needs --label");
            }
            using var client = new GatewayClient(parse.GetValue(GatewayOption)!);
            var request = new GatewayClient.SearchRequest(parse.GetValue(query)!, parse.GetValue(mode), parse.GetValue(videos) ?? [],
                parse.GetValue(label), parse.GetValue(minConfidence), parse.GetValue(limit), parse.GetValue(rerank));
            var (json, result) = await client.SearchAsync(request, cancellationToken);
            if (parse.GetValue(JsonOption))
            {
                System.Console.WriteLine(json);
                return 0;
            }
            if (result.Items.Count == 0)
            {
                System.Console.WriteLine($"no clip matches \"{result.Query}\"");
                return 0;
            }
            MarkdownTable.Print([">score", "video", "clip", "time", "caption"], result.Items.Select(i => (IReadOnlyList<string>)
            [
                i.Score.ToString(result.Reranked ? "0.000" : "0.0000", CultureInfo.InvariantCulture), i.VideoId.ToString(),
                i.ClipIndex.ToString(CultureInfo.InvariantCulture), TimeRange(i.StartSeconds, i.EndSeconds), i.Caption,
            ]));
            System.Console.WriteLine($"{result.Items.Count} clips, {result.Mode}{(result.Reranked ? " re-ranked" : "")}, model {result.ModelVersion}");
            return 0;
        });
        return command;
    }

    private static Command Ask()
    {
        var video = new Argument<Guid>("video") { Description = "video id" };
        var question = new Argument<string>("question") { Description = "the question, asked of every analysed clip" };
        var clips = new Option<int[]>("--clip") { Description = "only this clip index (repeatable)", AllowMultipleArgumentsPerToken = false };
        var command = new Command("ask", "ask a question about each clip of a video (answers are stored with the clips)")
        {
            video, question, clips, GatewayOption, JsonOption,
        };
        command.SetGuardedAction(async (parse, cancellationToken) =>
        {
            using var client = new GatewayClient(parse.GetValue(GatewayOption)!);
            var (json, result) = await client.AskAsync(parse.GetValue(video), parse.GetValue(question)!, parse.GetValue(clips) ?? [], cancellationToken);
            if (parse.GetValue(JsonOption))
            {
                System.Console.WriteLine(json);
                return 0;
            }
            System.Console.WriteLine(result.Question);
            foreach (var answer in result.Answers)
            {
                System.Console.WriteLine($"  {TimeRange(answer.StartSeconds, answer.EndSeconds)}  {answer.Answer ?? $"(no answer: {answer.Error})"}");
            }
            return result.Answers.Any(a => a.Answer is null) ? CommandRunner.Failure : 0;
        });
        return command;
    }

    private static string TimeRange(double start, double end) => $"{ModelCommands.Timecode(start)}-{ModelCommands.Timecode(end)}";
}
