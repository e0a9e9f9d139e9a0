using System.CommandLine;
using VideoCoca.Cli.Commands;

namespace VideoCoca.Cli;

public static class CliApplication
{
    public static Task<int> RunAsync(string[] args)
    {
        var root = new RootCommand("vcp: the VideoCoCa Platform's command line")
        {
            DemoCommand.Create(),
            WorldCommands.Create(),
            ModelCommands.Create(),
            ModelVersionCommands.Create(),
            BenchGroup.Create(),
            CampaignCommands.Create(),
            KeyCommands.Create(),
            CaptionCommands.Create(),
        };
        foreach (var command in PlatformCommands.Create()) root.Subcommands.Add(command);
        foreach (var command in WatchCommands.Create()) root.Subcommands.Add(command);
        foreach (var command in SearchCommands.Create()) root.Subcommands.Add(command);
        return root.Parse(args).InvokeAsync();
    }
}
