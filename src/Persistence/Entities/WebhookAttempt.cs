namespace VideoCoca.Persistence.Entities;

/// <summary>One POST of a delivery: when, what the receiver answered (or why there was no answer), how long it took.</summary>
public sealed class WebhookAttempt
{
    public long Id { get; set; }

    public long DeliveryId { get; set; }

    public DateTimeOffset AttemptedAt { get; set; }

    public int? StatusCode { get; set; }

    public string? Error { get; set; }

    public int DurationMs { get; set; }
}
