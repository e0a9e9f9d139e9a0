using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using VideoCoca.Persistence.Entities;

namespace VideoCoca.Persistence.Configuration;

internal sealed class CampaignConfiguration : IEntityTypeConfiguration<Campaign>
{
    public void Configure(EntityTypeBuilder<Campaign> builder)
    {
        builder.ToTable("campaigns");
        builder.HasKey(c => c.Id);
        builder.Property(c => c.Id).ValueGeneratedNever();
        builder.Property(c => c.State).HasConversion(new EnumAsSnakeCaseConverter<CampaignState>()).HasMaxLength(32);
        builder.Property(c => c.TimeZone).HasMaxLength(100);
        builder.Property(c => c.Detail).HasMaxLength(2048);
        builder.HasOne(c => c.TargetVersion).WithMany().HasForeignKey(c => c.TargetVersionId).OnDelete(DeleteBehavior.Restrict);
        builder.HasOne(c => c.SourceVersion).WithMany().HasForeignKey(c => c.SourceVersionId).OnDelete(DeleteBehavior.SetNull);
        builder.HasMany(c => c.Clips).WithOne(c => c.Campaign).HasForeignKey(c => c.CampaignId).OnDelete(DeleteBehavior.Cascade);
        builder.HasIndex(c => c.CreatedAt);
    }
}

internal sealed class CampaignClipConfiguration : IEntityTypeConfiguration<CampaignClip>
{
    public void Configure(EntityTypeBuilder<CampaignClip> builder)
    {
        builder.ToTable("campaign_clips");
        builder.HasKey(c => new { c.CampaignId, c.ClipId });
        builder.Property(c => c.State).HasConversion(new EnumAsSnakeCaseConverter<CampaignClipState>()).HasMaxLength(32);
        builder.Property(c => c.Error).HasMaxLength(2048);
        // A deleted video takes its clips out of every campaign's ledger.
        builder.HasOne<Clip>().WithMany().HasForeignKey(c => c.ClipId).OnDelete(DeleteBehavior.Cascade);
        builder.HasIndex(c => new { c.CampaignId, c.State });
        builder.HasIndex(c => c.ClipId);
    }
}
