using System.Text;

namespace VideoCoca.Contracts.Queries;

/// <summary>
/// Where the model queries of one model version go: a queue of their own per version, apart from the clips' queue,
/// so that a search query never waits behind a backlog of clips, and only a worker that runs the version answers.
/// </summary>
public static class ModelQueryQueues
{
    /// <summary>The queue's name for a model version (RabbitMQ and MassTransit take letters, digits, '-', '_' and '.').</summary>
    public static string For(string modelVersion)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(modelVersion);
        var name = new StringBuilder("model-queries-");
        foreach (var c in modelVersion.Trim())
        {
            name.Append(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? char.ToLowerInvariant(c) : '_');
        }
        return name.ToString();
    }

    /// <summary>The address a request client sends to.</summary>
    public static Uri AddressFor(string modelVersion) => new($"queue:{For(modelVersion)}");
}
