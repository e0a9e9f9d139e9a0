using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using VideoCoca.Contracts.Api;
using VideoCoca.Persistence.Entities;

namespace VideoCoca.Persistence.Configuration;

internal sealed class VideoConfiguration : IEntityTypeConfiguration<Video>
{
    public void Configure(EntityTypeBuilder<Video> builder)
    {
        builder.ToTable("videos");
        builder.HasKey(v => v.Id);
        builder.Property(v => v.Id).ValueGeneratedNever();
        builder.Property(v => v.FileName).HasMaxLength(512);
        builder.Property(v => v.BlobPath).HasMaxLength(2048);
        builder.Property(v => v.State).HasConversion(new EnumAsSnakeCaseConverter<VideoState>()).HasMaxLength(32);
        builder.Property(v => v.QuestionsJson).HasColumnType("jsonb").HasDefaultValueSql("'[]'::jsonb");
        builder.Property(v => v.Warnings).HasColumnType("text[]").HasDefaultValueSql("'{}'::text[]");
        builder.HasIndex(v => v.State);
        // A tenant's list of videos, newest first.
        builder.HasIndex(v => new { v.TenantId, v.CreatedAt });
        builder.HasOne<Tenant>().WithMany().HasForeignKey(x => x.TenantId).OnDelete(DeleteBehavior.Restrict);
        builder.HasIndex(v => v.CreatedAt);
        builder.HasMany(v => v.Clips).WithOne(c => c.Video).HasForeignKey(c => c.VideoId).OnDelete(DeleteBehavior.Cascade);
    }
}
