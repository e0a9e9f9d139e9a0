using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using VideoCoca.Cli.Console;
using VideoCoca.Cli.Platform;
using VideoCoca.Contracts.Api;

namespace VideoCoca.Cli.Commands;

/// <summary><c>vcp models</c>: the platform's model versions on the gateway's API (<c>vcp model</c> trains and runs models locally).</summary>
public static class ModelVersionCommands
{
    private static readonly Option<Uri> GatewayOption = GatewayAddressOption.Create();
    private static readonly Option<bool> JsonOption = new("--json") { Description = "print JSON" };

    public static Command Create()
    {
        var models = new Command("models", "the platform's model versions: which is active, who runs them, how much of the catalogue they cover");
        var list = new Command("list", "every model version with its workers and coverage; * marks the active one") { GatewayOption, JsonOption };
        list.SetGuardedAction(async (parse, cancellationToken) =>
        {
            using var client = new GatewayClient(parse.GetValue(GatewayOption)!);
            var versions = await client.ListModelVersionsAsync(cancellationToken);
            if (parse.GetValue(JsonOption))
            {
                System.Console.WriteLine(JsonSerializer.Serialize(versions));
                return 0;
            }
            MarkdownTable.Print(["name", "active", ">workers", ">clips analysed", ">coverage", "input", "created"], versions.Versions.Select(v => (IReadOnlyList<string>)
            [
                v.Name, v.Active ? "*" : "", Invariant(v.Workers), Invariant(v.ClipsAnalysed), Coverage(v), Input(v.Input),
                v.CreatedAt.ToUniversalTime().ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture),
            ]));
            if (versions.Active is null) System.Console.WriteLine("no version is active yet: the first worker's version becomes active when it registers");
            return 0;
        });
        models.Subcommands.Add(list);

        var version = new Argument<string>("version") { Description = "the version's registered name" };
        var force = new Option<bool>("--force") { Description = "activate even though some clips of finished videos have no result under it (they show as pending)" };
        var activate = new Command("activate", "make a version the active one: reads and new uploads use it at once") { version, force, GatewayOption, JsonOption };
        activate.SetGuardedAction(async (parse, cancellationToken) =>
        {
            using var client = new GatewayClient(parse.GetValue(GatewayOption)!);
            var activated = await client.ActivateModelVersionAsync(parse.GetValue(version)!, parse.GetValue(force), cancellationToken);
            System.Console.WriteLine(parse.GetValue(JsonOption)
                ? JsonSerializer.Serialize(activated)
                : $"{activated.Name} is the active version (activated {activated.ActivatedAt:u}; coverage {Coverage(activated)}, {activated.Workers} workers running it)");
            return 0;
        });
        models.Subcommands.Add(activate);
        return models;
    }

    /// <summary>"97.5% (3 missing)": the share, and what a campaign would still analyse.</summary>
    private static string Coverage(ModelVersionInfo version) =>
        string.Create(CultureInfo.InvariantCulture, $"{version.Coverage * 100:0.#}%") + (version.ClipsMissing > 0 ? $" ({Invariant(version.ClipsMissing)} missing)" : "");

    /// <summary>"8x48x64 stretch": frames, height, width, resize.</summary>
    private static string Input(ModelInputInfo? input) =>
        input is null ? "" : string.Create(CultureInfo.InvariantCulture, $"{input.Frames}x{input.Height}x{input.Width} {input.Resize}");

    private static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);
}
