namespace VideoCoca.Contracts.Messages;

/// <summary>Which of a model version's two queues a clip waits in.</summary>
public enum ClipLane
{
    /// <summary>A new upload's clips: <see cref="ClipQueues.For"/>.</summary>
    Upload,

    /// <summary>A campaign's clips: <see cref="ClipQueues.CampaignsFor"/>.</summary>
    Campaign,
}

/// <summary>
/// Where clips wait for a worker: per model version, so that a worker takes only clips for the model it runs and several
/// versions run side by side, plus the shared queue for clips recorded while no version was registered. Each version has
/// two lanes: new uploads and campaigns. A single priority queue was not enough: RabbitMQ orders a queue by priority, but
/// the clips a worker has already been delivered (a batch in the model and the next one prefetched) are out of its reach,
/// so a new upload waited behind two campaign batches and rode in a third. With two lanes the worker gathers an upload's
/// batch while a campaign batch runs, and its model gate lets upload batches in first.
/// </summary>
public static class ClipQueues
{
    /// <summary>The shared queue (Worker:QueueName's default): clips that name no version.</summary>
    public const string Shared = "analyze-clip";

    /// <summary>
    /// The upload lane's x-max-priority, kept from when campaigns shared the lane: a deployment's existing queue has the
    /// argument, and RabbitMQ refuses to declare a queue again with other arguments.
    /// </summary>
    public const int MaxPriority = 2;

    /// <summary>The priority a new upload's clips are sent with: ahead of campaign clips an older release left in the lane.</summary>
    public const byte UploadPriority = 2;

    private const string CampaignPrefix = "campaign-clip";

    /// <summary>A model version's upload lane: <c>analyze-clip-&lt;version&gt;</c>, named as <see cref="Queries.ModelQueryQueues.For"/> names its query queue.</summary>
    public static string For(string version) => $"{Shared}-{Safe(version)}";

    /// <summary>
    /// A model version's campaign lane: <c>campaign-clip-&lt;version&gt;</c> (another prefix rather than a suffix, which
    /// another version's name could end with).
    /// </summary>
    public static string CampaignsFor(string version) => $"{CampaignPrefix}-{Safe(version)}";

    /// <summary>The queue of <paramref name="version"/>'s <paramref name="lane"/>.</summary>
    public static string ForLane(string version, ClipLane lane) => lane == ClipLane.Campaign ? CampaignsFor(version) : For(version);

    /// <summary>Both lanes of a version.</summary>
    public static IReadOnlyList<string> LanesOf(string version) => [For(version), CampaignsFor(version)];

    private static string Safe(string version)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(version);
        return string.Concat(version.Trim().Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? char.ToLowerInvariant(c) : '_'));
    }
}
