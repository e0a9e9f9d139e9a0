namespace VideoCoca.Persistence.Entities;

/// <summary>One event on its way to one webhook: attempted until the receiver answers 2xx or the retry window closes.</summary>
public sealed class WebhookDelivery
{
    public long Id { get; set; }

    public Guid WebhookId { get; set; }

    public Guid EventId { get; set; }

    public DeliveryState State { get; set; }

    public int Attempts { get; set; }

    /// <summary>When the next attempt is due (pending deliveries only).</summary>
    public DateTimeOffset NextAttemptAt { get; set; }

    public int? LastStatusCode { get; set; }

    public string? LastError { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset? DeliveredAt { get; set; }

    public WebhookEvent? Event { get; set; }

    public List<WebhookAttempt> AttemptLog { get; set; } = [];
}

/// <summary>Where a delivery stands.</summary>
public enum DeliveryState
{
    Pending,
    Delivered,

    /// <summary>Given up: the retry window closed without a 2xx answer.</summary>
    Failed,
}
