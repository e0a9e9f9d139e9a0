using Microsoft.EntityFrameworkCore;
using VideoCoca.Persistence.Configuration;
using VideoCoca.Persistence.Entities;

namespace VideoCoca.Persistence;

/// <summary>
/// The platform's results in PostgreSQL: tenants and their API keys; videos (each a tenant's), their clips, model versions, and per (clip, model
/// version) a caption, an embedding, labels and answers; watchlists and their flags; webhooks with their outbox of
/// events and deliveries; the workers serving each version, and re-processing campaigns with their ledger of clips. Deleting a video deletes all of it.
/// </summary>
public sealed class ResultsDbContext(DbContextOptions<ResultsDbContext> options) : DbContext(options)
{
    public DbSet<Tenant> Tenants => Set<Tenant>();

    public DbSet<ApiKey> ApiKeys => Set<ApiKey>();

    public DbSet<Video> Videos => Set<Video>();

    public DbSet<Clip> Clips => Set<Clip>();

    public DbSet<ModelVersion> ModelVersions => Set<ModelVersion>();

    public DbSet<ClipResult> ClipResults => Set<ClipResult>();

    public DbSet<ClipLabel> ClipLabels => Set<ClipLabel>();

    public DbSet<ClipAnswer> ClipAnswers => Set<ClipAnswer>();

    public DbSet<Watchlist> Watchlists => Set<Watchlist>();

    public DbSet<WatchlistRule> WatchlistRules => Set<WatchlistRule>();

    public DbSet<WatchlistRuleEmbedding> WatchlistRuleEmbeddings => Set<WatchlistRuleEmbedding>();

    public DbSet<Flag> Flags => Set<Flag>();

    public DbSet<Webhook> Webhooks => Set<Webhook>();

    public DbSet<WebhookEvent> WebhookEvents => Set<WebhookEvent>();

    public DbSet<WebhookDelivery> WebhookDeliveries => Set<WebhookDelivery>();

    public DbSet<WebhookAttempt> WebhookAttempts => Set<WebhookAttempt>();

    public DbSet<ModelWorker> ModelWorkers => Set<ModelWorker>();

    public DbSet<Campaign> Campaigns => Set<Campaign>();

    public DbSet<CampaignClip> CampaignClips => Set<CampaignClip>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.HasPostgresExtension("vector");
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(ResultsDbContext).Assembly);
        SnakeCase.Apply(modelBuilder);
    }
}
