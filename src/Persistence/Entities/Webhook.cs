namespace VideoCoca.Persistence.Entities;

/// <summary>A receiver of events: the platform POSTs each subscribed event to <see cref="Url"/>, signed with <see cref="Secret"/>.</summary>
public sealed class Webhook
{
    public Guid Id { get; set; }

    /// <summary>The tenant that owns it; it receives only that tenant's events, and only that tenant's keys see it.</summary>
    public Guid TenantId { get; set; }

    public required string Url { get; set; }

    /// <summary>The event types it receives (video.completed, video.failed, clip.flagged).</summary>
    public required string[] Events { get; set; }

    /// <summary>The HMAC-SHA256 key of the X-Vcp-Signature header; never shown again after creation.</summary>
    public required string Secret { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}
