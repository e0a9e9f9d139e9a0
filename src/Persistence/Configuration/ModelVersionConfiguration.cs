using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using VideoCoca.Persistence.Entities;

namespace VideoCoca.Persistence.Configuration;

internal sealed class ModelVersionConfiguration : IEntityTypeConfiguration<ModelVersion>
{
    public void Configure(EntityTypeBuilder<ModelVersion> builder)
    {
        builder.ToTable("model_versions");
        builder.HasKey(m => m.Id);
        builder.Property(m => m.Id).UseIdentityAlwaysColumn();
        builder.Property(m => m.Name).HasMaxLength(200);
        builder.Property(m => m.Checksum).HasMaxLength(128);
        builder.HasIndex(m => m.Name).IsUnique();
        builder.Property(m => m.InputResize).HasMaxLength(32).HasDefaultValue("");
        builder.Property(m => m.ConfigSummary).HasMaxLength(1024).HasDefaultValue("");
    }
}

internal sealed class ModelWorkerConfiguration : IEntityTypeConfiguration<ModelWorker>
{
    public void Configure(EntityTypeBuilder<ModelWorker> builder)
    {
        builder.ToTable("model_workers");
        builder.HasKey(w => w.Id);
        builder.Property(w => w.Id).HasMaxLength(200);
        builder.Property(w => w.HostName).HasMaxLength(255);
        builder.HasOne(w => w.ModelVersion).WithMany().HasForeignKey(w => w.ModelVersionId).OnDelete(DeleteBehavior.Cascade);
        builder.HasIndex(w => new { w.ModelVersionId, w.SeenAt });
    }
}
