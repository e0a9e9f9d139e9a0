namespace VideoCoca.Persistence.Entities;

/// <summary>
/// The outbox: one event, written in the same transaction as the change it announces, with one
/// <see cref="WebhookDelivery"/> per webhook subscribed to its type at that moment.
/// </summary>
public sealed class WebhookEvent
{
    /// <summary>The event id receivers deduplicate by.</summary>
    public Guid Id { get; set; }

    public required string Type { get; set; }

    /// <summary>The JSON body sent, exactly as signed.</summary>
    public required string Body { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}
