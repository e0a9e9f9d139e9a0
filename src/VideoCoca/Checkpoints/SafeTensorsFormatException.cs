namespace VideoCoca.Checkpoints;

/// <summary>A safetensors file that breaks the format: the message is one line naming the file and the problem.</summary>
public sealed class SafeTensorsFormatException : Exception
{
    public SafeTensorsFormatException(string path, string problem)
        : base($"Invalid safetensors file '{path}': {OneLine(problem)}")
    {
        FilePath = path;
        Problem = OneLine(problem);
    }

    public SafeTensorsFormatException(string path, string problem, Exception inner)
        : base($"Invalid safetensors file '{path}': {OneLine(problem)}", inner)
    {
        FilePath = path;
        Problem = OneLine(problem);
    }

    /// <summary>The file that was rejected.</summary>
    public string FilePath { get; }

    /// <summary>What is wrong with it, without the file name.</summary>
    public string Problem { get; }

    private static string OneLine(string text) =>
        text.Replace("\r\n", " ", StringComparison.Ordinal).Replace('\n', ' ').Replace('\r', ' ').Trim();
}
