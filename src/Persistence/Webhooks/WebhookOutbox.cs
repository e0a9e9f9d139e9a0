using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.EntityFrameworkCore;

namespace VideoCoca.Persistence.Webhooks;

/// <summary>
/// Writes an event to the outbox with one delivery per webhook subscribed to its type, in the caller's transaction:
/// the event exists exactly when the change it announces was committed, and the dispatcher sends it from there.
/// </summary>
public static class WebhookOutbox
{
    public const string VideoCompleted = "video.completed";
    public const string VideoFailed = "video.failed";
    public const string ClipFlagged = "clip.flagged";

    /// <summary>Every event type a webhook may subscribe to.</summary>
    public static readonly IReadOnlyList<string> EventTypes = [VideoCompleted, VideoFailed, ClipFlagged];

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    /// <summary>
    /// Records the event (its body: <c>{"id", "type", "created_at", "data"}</c>) and its deliveries to the webhooks of
    /// <paramref name="tenantId"/> (the tenant whose video or watchlist the event is about; no other tenant hears of it);
    /// returns the event id. Call it inside the transaction that makes the change.
    /// </summary>
    public static async Task<Guid> EnqueueAsync(ResultsDbContext db, Guid tenantId, string type, object data, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        if (!EventTypes.Contains(type))
        {
            throw new ArgumentException($"'{type}' is not a webhook event type", nameof(type));
        }
        var id = Guid.CreateVersion7(at);
        var body = JsonSerializer.Serialize(new EventBody(id, type, at, data), Json);
        await db.Database.ExecuteSqlAsync($"""
            INSERT INTO webhook_events (id, type, body, created_at) VALUES ({id}, {type}, {body}, {at})
            """, cancellationToken);
        await db.Database.ExecuteSqlAsync($"""
            INSERT INTO webhook_deliveries (webhook_id, event_id, state, attempts, next_attempt_at, created_at)
            SELECT w.id, {id}, 'pending', 0, {at}, {at} FROM webhooks w WHERE {type} = ANY (w.events) AND w.tenant_id = {tenantId}
            """, cancellationToken);
        return id;
    }

    private sealed record EventBody(Guid Id, string Type, DateTimeOffset CreatedAt, object Data);
}
