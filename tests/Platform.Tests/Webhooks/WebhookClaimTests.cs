using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using VideoCoca.Gateway.Webhooks;
using VideoCoca.Persistence;
using VideoCoca.Persistence.Entities;
using VideoCoca.Persistence.Hosting;
using VideoCoca.Persistence.Webhooks;
using VideoCoca.Platform.Tests.Infrastructure;

namespace VideoCoca.Platform.Tests.Webhooks;

/// <summary>Several gateways dispatch from one outbox: a due delivery goes to exactly one of them.</summary>
[Collection(StackCollection.Name)]
public sealed class WebhookClaimTests(StackFixture stack)
{
    [Fact]
    public async Task DispatchersClaimingAtOnceNeverClaimTheSameDeliveryAndAClaimedDeliveryIsNotDueAgain()
    {
        var contexts = new PooledDbContextFactory<ResultsDbContext>(ResultsDbContextOptions.Create(stack.ConnectionString));
        var webhook = new Webhook { Id = Guid.NewGuid(), TenantId = Tenant.DefaultId, Url = "http://127.0.0.1:9/claims", Events = [WebhookOutbox.VideoFailed], Secret = "0123456789abcdef", CreatedAt = DateTimeOffset.UtcNow };
        var mine = new HashSet<Guid>();
        await using (var db = await contexts.CreateDbContextAsync())
        {
            db.Webhooks.Add(webhook);
            await db.SaveChangesAsync();
            await using var transaction = await db.Database.BeginTransactionAsync();
            for (var i = 0; i < 40; i++)
            {
                mine.Add(await WebhookOutbox.EnqueueAsync(db, Tenant.DefaultId, WebhookOutbox.VideoFailed, new { n = i }, DateTimeOffset.UtcNow.AddSeconds(-1)));
            }
            await transaction.CommitAsync();
        }
        try
        {
            var dispatchers = Enumerable.Range(0, 4).Select(_ => new WebhookDispatcher(contexts, null!,
                Options.Create(new WebhookOptions { MaxConcurrency = 3 }), TimeProvider.System, NullLogger<WebhookDispatcher>.Instance)).ToList();
            var claimed = new List<Guid>();
            // Each dispatcher claims until nothing of ours is due; all four at once, round after round.
            for (var round = 0; round < 20; round++)
            {
                var batches = await Task.WhenAll(dispatchers.Select(d => d.ClaimAsync(CancellationToken.None)));
                var ours = batches.SelectMany(b => b).Where(c => mine.Contains(c.EventId)).Select(c => c.EventId).ToList();
                claimed.AddRange(ours);
                if (batches.All(b => b.Count == 0)) break;
            }
            Assert.Equal(claimed.Count, claimed.Distinct().Count());
            Assert.Equal(mine.Order(), claimed.Order());
            await using var check = await contexts.CreateDbContextAsync();
            var leases = await check.WebhookDeliveries.Where(d => d.WebhookId == webhook.Id).Select(d => d.NextAttemptAt).ToListAsync();
            Assert.All(leases, lease => Assert.True(lease > DateTimeOffset.UtcNow.AddSeconds(30), $"lease {lease:O} is not ahead"));
        }
        finally
        {
            await using var db = await contexts.CreateDbContextAsync();
            await db.Webhooks.Where(w => w.Id == webhook.Id).ExecuteDeleteAsync();
        }
    }
}
