using System.Text.Json.Serialization;

namespace VideoCoca.Gateway.Webhooks;

/// <summary>The body of <c>POST /api/webhooks</c>.</summary>
public sealed record WebhookRequest
{
    /// <summary>Where events are POSTed: an absolute http or https URL.</summary>
    [JsonPropertyName("url")] public string? Url { get; init; }

    /// <summary>The event types to receive: video.completed, video.failed, clip.flagged.</summary>
    [JsonPropertyName("events")] public IReadOnlyList<string>? Events { get; init; }

    /// <summary>The signing key (16 to 256 characters); when absent the gateway makes one and returns it once.</summary>
    [JsonPropertyName("secret")] public string? Secret { get; init; }
}

/// <summary>A webhook as the API shows it: never its secret.</summary>
public sealed record WebhookView(
    [property: JsonPropertyName("id")] Guid Id,
    [property: JsonPropertyName("url")] string Url,
    [property: JsonPropertyName("events")] IReadOnlyList<string> Events,
    [property: JsonPropertyName("created_at")] DateTimeOffset CreatedAt);

/// <summary>The answer to a created webhook: the secret only when the gateway generated it, and only this once.</summary>
public sealed record WebhookCreated(
    [property: JsonPropertyName("id")] Guid Id,
    [property: JsonPropertyName("url")] string Url,
    [property: JsonPropertyName("events")] IReadOnlyList<string> Events,
    [property: JsonPropertyName("created_at")] DateTimeOffset CreatedAt,
    [property: JsonPropertyName("secret"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Secret);

/// <summary>One event's delivery to a webhook, with every attempt.</summary>
public sealed record DeliveryView(
    [property: JsonPropertyName("event_id")] Guid EventId,
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("state")] string State,
    [property: JsonPropertyName("attempts")] int Attempts,
    [property: JsonPropertyName("next_attempt_at")] DateTimeOffset? NextAttemptAt,
    [property: JsonPropertyName("last_status_code")] int? LastStatusCode,
    [property: JsonPropertyName("last_error")] string? LastError,
    [property: JsonPropertyName("created_at")] DateTimeOffset CreatedAt,
    [property: JsonPropertyName("delivered_at")] DateTimeOffset? DeliveredAt,
    [property: JsonPropertyName("attempt_log")] IReadOnlyList<AttemptView> AttemptLog);

/// <summary>One POST of a delivery.</summary>
public sealed record AttemptView(
    [property: JsonPropertyName("attempted_at")] DateTimeOffset AttemptedAt,
    [property: JsonPropertyName("status_code")] int? StatusCode,
    [property: JsonPropertyName("error")] string? Error,
    [property: JsonPropertyName("duration_ms")] int DurationMs);

/// <summary>A page of a webhook's deliveries, newest first.</summary>
public sealed record DeliveryPage(
    [property: JsonPropertyName("items")] IReadOnlyList<DeliveryView> Items,
    [property: JsonPropertyName("page")] int Page,
    [property: JsonPropertyName("page_size")] int PageSize,
    [property: JsonPropertyName("total")] int Total);
