namespace VideoCoca.Silo.Hosting;

/// <summary>The <c>Orleans</c> configuration section: which cluster the silo joins and where it listens.</summary>
public sealed class SiloOptions
{
    public const string SectionName = "Orleans";

    /// <summary>Silos with the same cluster id form one cluster (and share the membership table's rows).</summary>
    public string ClusterId { get; set; } = "vcp";

    /// <summary>Names the service across deployments: grain state and reminders are keyed by it.</summary>
    public string ServiceId { get; set; } = "videococa";

    /// <summary>Silo-to-silo port.</summary>
    public int SiloPort { get; set; } = 11111;

    /// <summary>Client (gateway) port.</summary>
    public int GatewayPort { get; set; } = 30000;

    /// <summary>The address other silos and clients reach this one at; loopback by default.</summary>
    public string AdvertisedIPAddress { get; set; } = "127.0.0.1";

    /// <summary>Listen on every interface (for containers) rather than only the advertised address.</summary>
    public bool ListenOnAnyHostAddress { get; set; }
}
