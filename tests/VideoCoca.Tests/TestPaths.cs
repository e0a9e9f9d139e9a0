namespace VideoCoca.Tests;

/// <summary>Where the repository and the shared read-only data sit, found from the test assembly's folder.</summary>
public static class TestPaths
{
    private const string SolutionFile = "VideoCocaPlatform.sln";

    private static readonly Lazy<string> Root = new(FindRepositoryRoot);

    /// <summary>The folder that holds VideoCocaPlatform.sln.</summary>
    public static string RepositoryRoot => Root.Value;

    /// <summary>The shared data folder beside the repository: &lt;repository root&gt;/../shared.</summary>
    public static string SharedFolder => Path.GetFullPath(Path.Combine(RepositoryRoot, "..", "shared"));

    private static string FindRepositoryRoot()
    {
        var start = AppContext.BaseDirectory;
        for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, SolutionFile)))
            {
                return directory.FullName;
            }
        }
        throw new DirectoryNotFoundException($"No {SolutionFile} in '{start}' or any folder above it.");
    }
}
