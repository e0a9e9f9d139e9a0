namespace VideoCoca.Persistence.Entities;

/// <summary>
/// A worker process serving a model version, as its heartbeat last said: operators see which versions have workers
/// now, and a campaign for a version no worker serves says so instead of waiting in silence.
/// </summary>
public sealed class ModelWorker
{
    /// <summary>The worker's instance id (host name, process id and a random part).</summary>
    public required string Id { get; set; }

    public int ModelVersionId { get; set; }

    public required string HostName { get; set; }

    public DateTimeOffset StartedAt { get; set; }

    /// <summary>The latest heartbeat; a worker silent for longer than a few periods is taken as gone.</summary>
    public DateTimeOffset SeenAt { get; set; }

    public ModelVersion? ModelVersion { get; set; }
}
