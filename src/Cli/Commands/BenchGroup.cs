using System.CommandLine;

namespace VideoCoca.Cli.Commands;

/// <summary><c>vcp bench</c>: measurements of one part of the platform each, printed as tables for docs/benchmarks.md.</summary>
public static class BenchGroup
{
    public static Command Create() => new("bench", "measure parts of the platform on this machine")
    {
        CampaignBenchCommand.Create(),
        GenerateBenchCommand.Create(),
        IngestBenchCommand.Create(),
        MatmulBenchCommand.Create(),
        PipelineBenchCommand.Create(),
        SearchBenchCommand.Create(),
    };
}
