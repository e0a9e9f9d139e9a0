namespace VideoCoca.Gateway.Webhooks;

/// <summary>The <c>Webhooks</c> configuration section: how the dispatcher polls the outbox, retries and times out.</summary>
public sealed class WebhookOptions
{
    public const string SectionName = "Webhooks";

    /// <summary>The named HttpClient deliveries go out on (no automatic redirects).</summary>
    public const string HttpClientName = "webhooks";

    /// <summary>How often the dispatcher looks for due deliveries when the last look found none.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The wait after a first failed attempt; it doubles with every further attempt (jittered).</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The longest wait between two attempts.</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How long after the event was created a delivery is still attempted; then it is marked failed.</summary>
    public TimeSpan RetryWindow { get; set; } = TimeSpan.FromHours(24);

    /// <summary>How long a receiver may take to answer before the attempt counts as failed.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Deliveries sent at once by this gateway (also how many it claims per look).</summary>
    public int MaxConcurrency { get; set; } = 8;

    /// <summary>
    /// How far a claim moves a delivery's next attempt forward: no other gateway takes it while this one sends, and a
    /// gateway that dies mid-send leaves it to the others after this long.
    /// </summary>
    public TimeSpan ClaimLease => RequestTimeout + TimeSpan.FromSeconds(60);
}
