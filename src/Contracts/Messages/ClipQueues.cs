namespace VideoCoca.Contracts.Messages;

/// <summary>
/// Where clips wait for a worker: one queue per model version, so that a worker takes only clips for the model it runs and
/// several versions run side by side, plus the shared queue for clips recorded while no version was registered. A version's
/// queue is a RabbitMQ priority queue: a new upload's clips are delivered ahead of a campaign's, whenever both wait.
/// </summary>
public static class ClipQueues
{
    /// <summary>The shared queue (Worker:QueueName's default): clips that name no version.</summary>
    public const string Shared = "analyze-clip";

    /// <summary>The queues' x-max-priority: priorities above it count as it.</summary>
    public const int MaxPriority = 2;

    /// <summary>A new upload's clips.</summary>
    public const byte UploadPriority = 2;

    /// <summary>A campaign's clips: taken only while no upload's clip waits.</summary>
    public const byte CampaignPriority = 1;

    /// <summary>The queue of a model version: <c>analyze-clip-&lt;version&gt;</c>, named as <see cref="Queries.ModelQueryQueues.For"/> names its query queue.</summary>
    public static string For(string version)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(version);
        var safe = version.Trim().Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? char.ToLowerInvariant(c) : '_');
        return $"{Shared}-{string.Concat(safe)}";
    }
}
