namespace VideoCoca.Gateway.Models;

/// <summary>The <c>Models</c> configuration section: how the gateway tells a running worker from a gone one.</summary>
public sealed class ModelVersionOptions
{
    public const string SectionName = "Models";

    /// <summary>
    /// The workers' Worker:HeartbeatPeriod (set both alike): GET /api/models counts a worker as running while its latest
    /// heartbeat is at most <see cref="FreshHeartbeats"/> periods old, so that one late beat does not drop it.
    /// </summary>
    public TimeSpan WorkerHeartbeatPeriod { get; set; } = TimeSpan.FromSeconds(15);

    public const int FreshHeartbeats = 3;

    /// <summary>How old a worker's latest heartbeat may be for it to count as running.</summary>
    public TimeSpan WorkerFreshness => WorkerHeartbeatPeriod * FreshHeartbeats;
}
