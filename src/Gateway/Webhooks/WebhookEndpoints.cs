using System.Security.Claims;
using VideoCoca.Gateway.Access;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using VideoCoca.Gateway.Uploads;
using VideoCoca.Persistence;
using VideoCoca.Persistence.Entities;
using VideoCoca.Persistence.Webhooks;
using VideoCoca.Gateway.Http;

namespace VideoCoca.Gateway.Webhooks;

/// <summary>Registering webhooks and reading what was delivered to them.</summary>
public static class WebhookEndpoints
{
    public const int MinSecretLength = 16;
    public const int MaxSecretLength = 256;
    public const int MaxUrlLength = 2048;
    public static void MapWebhookEndpoints(this IEndpointRouteBuilder routes)
    {
        // Webhooks are an editor's, reading included: their URLs say where a tenant's events go.
        var webhooks = routes.MapGroup("/api/webhooks").RequireAuthorization(AccessPolicies.Editor);
        webhooks.MapPost("/", CreateAsync).WithName("CreateWebhook")
            .WithSummary("Registers a receiver of events (video.completed, video.failed, clip.flagged), signed with its secret.")
            .Accepts<WebhookRequest>("application/json").Produces<WebhookCreated>(StatusCodes.Status201Created).ProducesValidationProblem();
        webhooks.MapGet("/", ListAsync).WithName("ListWebhooks").WithSummary("Every webhook, oldest first (never their secrets).")
            .Produces<IReadOnlyList<WebhookView>>();
        webhooks.MapGet("/{id}", GetAsync).WithName("GetWebhook").WithSummary("One webhook (never its secret).")
            .Produces<WebhookView>().ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);
        webhooks.MapDelete("/{id}", DeleteAsync).WithName("DeleteWebhook").WithSummary("Removes a webhook and its pending deliveries.")
            .Produces(StatusCodes.Status204NoContent).ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);
        webhooks.MapGet("/{id}/deliveries", DeliveriesAsync).WithName("GetWebhookDeliveries")
            .WithSummary("The webhook's deliveries, newest first, each with its attempts and the status codes answered.")
            .Produces<DeliveryPage>().ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound);
    }

    private static async Task<IResult> CreateAsync(HttpRequest request, ClaimsPrincipal user, IDbContextFactory<ResultsDbContext> contexts, TimeProvider clock, CancellationToken cancellationToken)
    {
        WebhookRequest? body;
        try
        {
            body = await JsonSerializer.DeserializeAsync<WebhookRequest>(request.Body, cancellationToken: cancellationToken);
        }
        catch (JsonException e)
        {
            return ApiProblems.Invalid("body", $"the body is not a webhook as JSON ({e.Message})", "Invalid webhook request");
        }
        if (body is null)
        {
            return ApiProblems.Invalid("body", "the body must be a JSON object with url, events and (optionally) secret", "Invalid webhook request");
        }
        if (!IsHttpUrl(body.Url))
        {
            return ApiProblems.Invalid("url", $"url must be an absolute http or https URL of at most {MaxUrlLength} characters", "Invalid webhook request");
        }
        if (body.Events is not { Count: > 0 } || body.Events.Any(e => !WebhookOutbox.EventTypes.Contains(e)))
        {
            var unknown = body.Events?.Where(e => !WebhookOutbox.EventTypes.Contains(e)).ToList() ?? [];
            return ApiProblems.Invalid("events", (unknown.Count > 0 ? $"unknown event type{(unknown.Count > 1 ? "s" : "")} {string.Join(", ", unknown.Select(u => $"'{u}'"))}; " : "")
                + $"events must name at least one of {string.Join(", ", WebhookOutbox.EventTypes)}", "Invalid webhook request");
        }
        if (body.Secret is { } given && (given.Length < MinSecretLength || given.Length > MaxSecretLength))
        {
            return ApiProblems.Invalid("secret", $"secret must be {MinSecretLength} to {MaxSecretLength} characters (leave it out to have one generated)", "Invalid webhook request");
        }
        var generated = body.Secret is null ? Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32)) : null;
        var webhook = new Webhook
        {
            Id = Guid.CreateVersion7(),
            TenantId = user.GetTenantId(),
            Url = body.Url!,
            Events = body.Events.Distinct(StringComparer.Ordinal).ToArray(),
            Secret = body.Secret ?? generated!,
            // Microseconds, as PostgreSQL keeps it: the 201 and a later GET say the same.
            CreatedAt = TruncateToMicroseconds(clock.GetUtcNow()),
        };
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        db.Webhooks.Add(webhook);
        await db.SaveChangesAsync(cancellationToken);
        return Results.Created($"/api/webhooks/{webhook.Id}", new WebhookCreated(webhook.Id, webhook.Url, webhook.Events, webhook.CreatedAt, generated));
    }

    private static async Task<IResult> ListAsync(ClaimsPrincipal user, IDbContextFactory<ResultsDbContext> contexts, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var rows = await db.Webhooks.AsNoTracking().OwnedBy(user).OrderBy(w => w.CreatedAt).ThenBy(w => w.Id).ToListAsync(cancellationToken);
        return Results.Ok(rows.Select(View).ToList());
    }

    private static async Task<IResult> GetAsync(string id, ClaimsPrincipal user, IDbContextFactory<ResultsDbContext> contexts, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(id, out var webhookId)) return ApiProblems.MalformedId("webhook", id);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var row = await db.Webhooks.AsNoTracking().OwnedBy(user).FirstOrDefaultAsync(w => w.Id == webhookId, cancellationToken);
        return row is null ? ApiProblems.Unknown("webhook", webhookId) : Results.Ok(View(row));
    }

    private static async Task<IResult> DeleteAsync(string id, ClaimsPrincipal user, IDbContextFactory<ResultsDbContext> contexts, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(id, out var webhookId)) return ApiProblems.MalformedId("webhook", id);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        // Deliveries and their attempts go with it (cascade); a send in flight then finds nothing to record.
        var deleted = await db.Webhooks.OwnedBy(user).Where(w => w.Id == webhookId).ExecuteDeleteAsync(cancellationToken);
        return deleted == 0 ? ApiProblems.Unknown("webhook", webhookId) : Results.NoContent();
    }

    private static async Task<IResult> DeliveriesAsync(
        string id, [AsParameters] PageQuery paging, ClaimsPrincipal user, IDbContextFactory<ResultsDbContext> contexts, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(id, out var webhookId)) return ApiProblems.MalformedId("webhook", id);
        if (!paging.TryRead(out var page, out var pageSize, out var pageProblem)) return pageProblem;
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        if (!await db.Webhooks.OwnedBy(user).AnyAsync(w => w.Id == webhookId, cancellationToken)) return ApiProblems.Unknown("webhook", webhookId);
        var deliveries = db.WebhookDeliveries.AsNoTracking().Where(d => d.WebhookId == webhookId);
        var total = await deliveries.CountAsync(cancellationToken);
        var rows = await deliveries.OrderByDescending(d => d.CreatedAt).ThenByDescending(d => d.Id)
            .Skip(PageQuery.Skip(page, pageSize)).Take(pageSize)
            .Include(d => d.Event).Include(d => d.AttemptLog).AsSplitQuery()
            .ToListAsync(cancellationToken);
        var items = rows.Select(d => new DeliveryView(
            d.EventId, d.Event?.Type ?? "", Wire(d.State), d.Attempts,
            d.State == DeliveryState.Pending ? d.NextAttemptAt : null,
            d.LastStatusCode, d.LastError, d.CreatedAt, d.DeliveredAt,
            d.AttemptLog.OrderBy(a => a.AttemptedAt).ThenBy(a => a.Id)
                .Select(a => new AttemptView(a.AttemptedAt, a.StatusCode, a.Error, a.DurationMs)).ToList())).ToList();
        return Results.Ok(new DeliveryPage(items, page, pageSize, total));
    }

    /// <summary>Absolute http(s) with a host: the dispatcher sends nowhere else (no file:, ftp:, or relative URLs).</summary>
    internal static bool IsHttpUrl(string? url) =>
        !string.IsNullOrWhiteSpace(url) && url.Length <= MaxUrlLength
        && Uri.TryCreate(url, UriKind.Absolute, out var uri)
        && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
        && !string.IsNullOrEmpty(uri.Host);

    private static WebhookView View(Webhook webhook) => new(webhook.Id, webhook.Url, webhook.Events, webhook.CreatedAt);

    private static string Wire(DeliveryState state) => state switch
    {
        DeliveryState.Pending => "pending",
        DeliveryState.Delivered => "delivered",
        _ => "failed",
    };

    private static DateTimeOffset TruncateToMicroseconds(DateTimeOffset at) => new(at.Ticks - at.Ticks % 10, at.Offset);

}
