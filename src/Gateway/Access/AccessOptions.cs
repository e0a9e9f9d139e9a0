namespace VideoCoca.Gateway.Access;

/// <summary>The <c>Access</c> configuration section: rate limits of API keys.</summary>
public sealed class AccessOptions
{
    public const string SectionName = "Access";

    /// <summary>Requests a key may make per minute unless the key sets its own (api_keys.requests_per_minute).</summary>
    public int RequestsPerMinute { get; set; } = 600;

    /// <summary>How long a key's last use may lag: its last_used_at is written at most this often per key.</summary>
    public TimeSpan LastUsedResolution { get; set; } = TimeSpan.FromMinutes(1);
}
