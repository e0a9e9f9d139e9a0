namespace VideoCoca.ServiceDefaults.Operations;

/// <summary>The <c>Operations</c> configuration section of the silo and the worker: where their operations endpoint listens.</summary>
public sealed class OperationsOptions
{
    public const string SectionName = "Operations";

    /// <summary>
    /// The URL of the host's /metrics, /health/live and /health/ready (http://127.0.0.1:5081); empty (the default) for
    /// none: several workers share a machine, so no port is taken unasked (scripts/platform.sh gives each host one).
    /// </summary>
    public string Url { get; set; } = "";
}
