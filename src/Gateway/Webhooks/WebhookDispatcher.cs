using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using VideoCoca.Persistence;

namespace VideoCoca.Gateway.Webhooks;

/// <summary>
/// Sends the outbox's pending deliveries: claims the due ones (<c>FOR UPDATE SKIP LOCKED</c>, moving their next attempt
/// a lease ahead in the same statement, so that another gateway neither waits for them nor sends them too), POSTs each
/// outside any transaction, then records the attempt and the delivery's new state, provided the claim is still this
/// gateway's. A 2xx answer delivers; anything else is retried with exponential backoff until the retry window closes.
/// </summary>
public sealed class WebhookDispatcher(
    IDbContextFactory<ResultsDbContext> contexts,
    IHttpClientFactory httpClients,
    IOptions<WebhookOptions> options,
    TimeProvider clock,
    ILogger<WebhookDispatcher> logger) : BackgroundService
{
    private const int MaxErrorLength = 1000;
    private readonly WebhookOptions _options = options.Value;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var claimed = 0;
            try
            {
                var due = await ClaimAsync(stoppingToken);
                claimed = due.Count;
                await Parallel.ForEachAsync(due, new ParallelOptions { MaxDegreeOfParallelism = _options.MaxConcurrency, CancellationToken = stoppingToken },
                    async (delivery, token) => await DeliverAsync(delivery, token));
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // The database away, say: claims expire on their own, so nothing is lost; look again after the interval.
                logger.LogWarning(e, "Webhook dispatch failed; trying again in {Interval}", _options.PollInterval);
                claimed = 0;
            }
            // A full claim suggests more are due: look again at once.
            if (claimed < _options.MaxConcurrency)
            {
                try
                {
                    await Task.Delay(_options.PollInterval, clock, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    /// <summary>The due deliveries, oldest due first, each with the lease it was claimed under.</summary>
    public async Task<IReadOnlyList<ClaimedDelivery>> ClaimAsync(CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var limit = _options.MaxConcurrency;
        var lease = _options.ClaimLease;
        return await db.Database.SqlQuery<ClaimedDelivery>($"""
            WITH due AS (
                SELECT d.id FROM webhook_deliveries d
                WHERE d.state = 'pending' AND d.next_attempt_at <= now()
                ORDER BY d.next_attempt_at, d.id
                LIMIT {limit}
                FOR UPDATE SKIP LOCKED)
            UPDATE webhook_deliveries d SET next_attempt_at = now() + {lease}
            FROM due, webhook_events e, webhooks w
            WHERE d.id = due.id AND e.id = d.event_id AND w.id = d.webhook_id
            RETURNING d.id AS "Id", d.event_id AS "EventId", e.type AS "Type", e.body AS "Body", e.created_at AS "EventCreatedAt",
                      w.url AS "Url", w.secret AS "Secret", d.attempts AS "Attempts", d.next_attempt_at AS "Lease"
            """).ToListAsync(cancellationToken);
    }

    private async Task DeliverAsync(ClaimedDelivery delivery, CancellationToken stoppingToken)
    {
        var body = Encoding.UTF8.GetBytes(delivery.Body);
        var at = clock.GetUtcNow();
        var watch = Stopwatch.StartNew();
        int? status = null;
        string? error = null;
        if (!WebhookEndpoints.IsHttpUrl(delivery.Url))
        {
            error = "the webhook's url is not an absolute http or https URL";
        }
        else
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            timeout.CancelAfter(_options.RequestTimeout);
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, delivery.Url) { Content = new ByteArrayContent(body) };
                request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                request.Headers.Add(WebhookSignature.EventIdHeader, delivery.EventId.ToString("D"));
                request.Headers.Add(WebhookSignature.EventTypeHeader, delivery.Type);
                request.Headers.Add(WebhookSignature.Header, WebhookSignature.Create(delivery.Secret, at.ToUnixTimeSeconds(), body));
                using var response = await httpClients.CreateClient(WebhookOptions.HttpClientName)
                    .SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
                status = (int)response.StatusCode;
                if (!response.IsSuccessStatusCode)
                {
                    error = $"the receiver answered {status} ({response.ReasonPhrase})";
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                // Shutting down: the claim expires and another gateway (or this one, restarted) sends it.
                return;
            }
            catch (OperationCanceledException)
            {
                error = $"no answer within {_options.RequestTimeout.TotalSeconds:0.###} s";
            }
            catch (HttpRequestException e)
            {
                error = e.Message;
            }
        }
        var duration = (int)Math.Min(int.MaxValue, watch.ElapsedMilliseconds);
        try
        {
            await RecordAsync(delivery, at, status, error, duration, stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>The attempt and the delivery's new state in one transaction, only while the claim is still ours.</summary>
    private async Task RecordAsync(ClaimedDelivery delivery, DateTimeOffset at, int? status, string? error, int durationMs, CancellationToken cancellationToken)
    {
        error = error is { Length: > MaxErrorLength } ? error[..MaxErrorLength] : error;
        var attempts = delivery.Attempts + 1;
        var now = clock.GetUtcNow();
        var delivered = error is null;
        var next = now + RetryDelay(attempts);
        var gaveUp = !delivered && next > delivery.EventCreatedAt + _options.RetryWindow;
        var state = delivered ? "delivered" : gaveUp ? "failed" : "pending";
        DateTimeOffset? deliveredAt = delivered ? now : null;

        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var updated = await db.Database.ExecuteSqlAsync($"""
            UPDATE webhook_deliveries
            SET state = {state}, attempts = {attempts}, next_attempt_at = {(delivered || gaveUp ? now : next)},
                last_status_code = {status}, last_error = {error}, delivered_at = {deliveredAt}
            WHERE id = {delivery.Id} AND state = 'pending' AND next_attempt_at = {delivery.Lease}
            """, cancellationToken);
        if (updated == 0)
        {
            // The webhook was deleted meanwhile, or the lease ran out and another gateway took the delivery over.
            logger.LogWarning("Webhook delivery {Delivery} of event {Event}: the claim was lost before the attempt was recorded", delivery.Id, delivery.EventId);
            return;
        }
        await db.Database.ExecuteSqlAsync($"""
            INSERT INTO webhook_attempts (delivery_id, attempted_at, status_code, error, duration_ms)
            VALUES ({delivery.Id}, {at}, {status}, {error}, {durationMs})
            """, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        if (gaveUp)
        {
            logger.LogWarning("Webhook delivery of event {Event} to {Url} failed for good after {Attempts} attempts: {Error}", delivery.EventId, delivery.Url, attempts, error);
        }
        else if (!delivered)
        {
            logger.LogInformation("Webhook delivery of event {Event} to {Url}, attempt {Attempt}: {Error}; next at {Next:O}", delivery.EventId, delivery.Url, attempts, error, next);
        }
    }

    /// <summary>base x 2^(attempts-1), capped, times a jitter of 0.8 to 1.2 so that receivers that come back are not hit all at once.</summary>
    internal TimeSpan RetryDelay(int attempts)
    {
        var exponent = Math.Min(attempts - 1, 30);
        var delay = Math.Min(_options.RetryBaseDelay.TotalMilliseconds * Math.Pow(2, exponent), _options.MaxRetryDelay.TotalMilliseconds);
        var jittered = delay * (0.8 + 0.4 * Random.Shared.NextDouble());
        return TimeSpan.FromMilliseconds(Math.Min(jittered, _options.MaxRetryDelay.TotalMilliseconds));
    }
}

/// <summary>A delivery this gateway claimed, with what it needs to send it; <see cref="Lease"/> is the claim's mark.</summary>
public sealed record ClaimedDelivery
{
    public long Id { get; init; }
    public Guid EventId { get; init; }
    public string Type { get; init; } = "";
    public string Body { get; init; } = "";
    public DateTimeOffset EventCreatedAt { get; init; }
    public string Url { get; init; } = "";
    public string Secret { get; init; } = "";
    public int Attempts { get; init; }
    public DateTimeOffset Lease { get; init; }
}
