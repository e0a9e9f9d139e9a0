namespace VideoCoca.Platform.Tests.Infrastructure;

/// <summary>The repository's root, found from the test assembly's folder.</summary>
public static class RepositoryPaths
{
    private static readonly Lazy<string> RootFolder = new(() =>
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "VideoCocaPlatform.sln")))
            {
                return directory.FullName;
            }
        }
        throw new DirectoryNotFoundException($"No VideoCocaPlatform.sln in '{AppContext.BaseDirectory}' or above it.");
    });

    public static string Root => RootFolder.Value;

    public static string StackScript => Path.Combine(Root, "scripts", "stack.sh");
}
