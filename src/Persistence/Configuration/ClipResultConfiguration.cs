using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using VideoCoca.Persistence.Entities;

namespace VideoCoca.Persistence.Configuration;

internal sealed class ClipResultConfiguration : IEntityTypeConfiguration<ClipResult>
{
    public void Configure(EntityTypeBuilder<ClipResult> builder)
    {
        builder.ToTable("clip_results");
        // One result per (clip, model version): the key that makes a redelivered clip harmless.
        builder.HasKey(r => new { r.ClipId, r.ModelVersionId });
        builder.Property(r => r.Embedding).HasColumnType("vector");
        builder.Property(r => r.Document).HasColumnType("tsvector");
        builder.HasIndex(r => r.Document).HasMethod("gin");
        builder.HasIndex(r => r.ModelVersionId);
        builder.HasOne(r => r.ModelVersion).WithMany().HasForeignKey(r => r.ModelVersionId).OnDelete(DeleteBehavior.Restrict);
        builder.HasMany(r => r.Labels).WithOne().HasForeignKey(l => new { l.ClipId, l.ModelVersionId }).OnDelete(DeleteBehavior.Cascade);
        builder.HasMany(r => r.Answers).WithOne().HasForeignKey(a => new { a.ClipId, a.ModelVersionId }).OnDelete(DeleteBehavior.Cascade);
    }
}
