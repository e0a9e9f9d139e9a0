using System.CommandLine;

namespace VideoCoca.Cli;

public static class CliApplication
{
    public static Task<int> RunAsync(string[] args)
    {
        var root = new RootCommand("vcp: the VideoCoCa Platform's command line");
        return root.Parse(args).InvokeAsync();
    }
}
