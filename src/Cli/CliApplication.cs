using System.CommandLine;
using VideoCoca.Cli.Commands;

namespace VideoCoca.Cli;

public static class CliApplication
{
    public static Task<int> RunAsync(string[] args)
    {
        var root = new RootCommand("vcp: the VideoCoCa Platform's command line")
        {
            WorldCommands.Create(),
            ModelCommands.Create(),
            DemoCommand.Create(),
            BenchGroup.Create(),
        };
        return root.Parse(args).InvokeAsync();
    }
}
