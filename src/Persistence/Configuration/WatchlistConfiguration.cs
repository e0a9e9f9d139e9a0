using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using VideoCoca.Persistence.Entities;

namespace VideoCoca.Persistence.Configuration;

internal sealed class WatchlistConfiguration : IEntityTypeConfiguration<Watchlist>
{
    public void Configure(EntityTypeBuilder<Watchlist> builder)
    {
        builder.ToTable("watchlists");
        builder.HasKey(w => w.Id);
        builder.Property(w => w.Id).ValueGeneratedNever();
        builder.Property(w => w.Name).HasMaxLength(200);
        builder.Property(w => w.BackfillState).HasConversion(new EnumAsSnakeCaseConverter<BackfillState>()).HasMaxLength(16);
        // The catalogue pass picks up pending lists.
        builder.HasIndex(w => w.BackfillState);
        builder.HasIndex(w => w.TenantId);
        builder.HasOne<Tenant>().WithMany().HasForeignKey(x => x.TenantId).OnDelete(DeleteBehavior.Restrict);
        builder.HasMany(w => w.Rules).WithOne().HasForeignKey(r => r.WatchlistId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class WatchlistRuleConfiguration : IEntityTypeConfiguration<WatchlistRule>
{
    public void Configure(EntityTypeBuilder<WatchlistRule> builder)
    {
        builder.ToTable("watchlist_rules");
        builder.HasKey(r => r.Id);
        builder.Property(r => r.Id).ValueGeneratedNever();
        builder.Property(r => r.Kind).HasConversion(new EnumAsSnakeCaseConverter<WatchRuleKind>()).HasMaxLength(16);
        builder.Property(r => r.Text).HasMaxLength(500);
        builder.HasIndex(r => new { r.WatchlistId, r.Position }).IsUnique();
        builder.HasMany(r => r.Embeddings).WithOne().HasForeignKey(e => e.RuleId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class WatchlistRuleEmbeddingConfiguration : IEntityTypeConfiguration<WatchlistRuleEmbedding>
{
    public void Configure(EntityTypeBuilder<WatchlistRuleEmbedding> builder)
    {
        builder.ToTable("watchlist_rule_embeddings");
        builder.HasKey(e => new { e.RuleId, e.ModelVersionId });
        builder.Property(e => e.Embedding).HasColumnType("vector");
        builder.HasOne<ModelVersion>().WithMany().HasForeignKey(e => e.ModelVersionId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class FlagConfiguration : IEntityTypeConfiguration<Flag>
{
    public void Configure(EntityTypeBuilder<Flag> builder)
    {
        builder.ToTable("flags");
        builder.HasKey(f => f.Id);
        builder.Property(f => f.Id).ValueGeneratedNever();
        builder.Property(f => f.Reason).HasMaxLength(1000);
        builder.Property(f => f.Note).HasMaxLength(2000);
        builder.Property(f => f.ReviewedBy).HasMaxLength(200);
        builder.Property(f => f.Status).HasConversion(new EnumAsSnakeCaseConverter<FlagStatus>()).HasMaxLength(16);
        // One flag per clip, watchlist and model version: a result matched twice (its write and the catalogue pass) stays one flag.
        builder.HasIndex(f => new { f.ClipId, f.WatchlistId, f.ModelVersionId }).IsUnique();
        // The review queue: a list's open flags, oldest first.
        builder.HasIndex(f => new { f.Status, f.WatchlistId, f.CreatedAt });
        builder.HasOne<Watchlist>().WithMany().HasForeignKey(f => f.WatchlistId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<Clip>().WithMany().HasForeignKey(f => f.ClipId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<ModelVersion>().WithMany().HasForeignKey(f => f.ModelVersionId).OnDelete(DeleteBehavior.Restrict);
        builder.HasOne<WatchlistRule>().WithMany().HasForeignKey(f => f.RuleId).OnDelete(DeleteBehavior.SetNull);
    }
}
