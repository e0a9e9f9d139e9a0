using System.Reflection;

namespace VideoCoca.Platform.Tests.EndToEnd;

/// <summary>
/// The hosts' own build output, as the test project's build recorded it (Platform.Tests.csproj,
/// RecordHostBuildOutputs): built by the same build, in the same configuration, as these tests.
/// </summary>
public static class HostBuildOutputs
{
    public const string Silo = "vcp-silo";
    public const string Worker = "vcp-worker";
    public const string Gateway = "vcp-gateway";
    public const string Cli = "vcp";

    /// <summary>The host's entry assembly, to run with <c>dotnet</c>.</summary>
    public static string EntryAssembly(string host)
    {
        var recorded = typeof(HostBuildOutputs).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == $"host:{host}")?.Value
            ?? throw new InvalidOperationException($"The test assembly records no build output for {host}: is it a ProjectReference of Platform.Tests?");
        if (!File.Exists(recorded))
        {
            throw new FileNotFoundException($"{host} is not built at {recorded}: build the solution (dotnet build -c Release) before running these tests.", recorded);
        }
        return recorded;
    }
}
