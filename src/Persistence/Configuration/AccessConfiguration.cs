using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using VideoCoca.Persistence.Entities;

namespace VideoCoca.Persistence.Configuration;

internal sealed class TenantConfiguration : IEntityTypeConfiguration<Tenant>
{
    public void Configure(EntityTypeBuilder<Tenant> builder)
    {
        builder.ToTable("tenants");
        builder.HasKey(t => t.Id);
        builder.Property(t => t.Id).ValueGeneratedNever();
        builder.Property(t => t.Name).HasMaxLength(100);
        builder.HasIndex(t => t.Name).IsUnique();
    }
}

internal sealed class ApiKeyConfiguration : IEntityTypeConfiguration<ApiKey>
{
    public void Configure(EntityTypeBuilder<ApiKey> builder)
    {
        builder.ToTable("api_keys");
        builder.HasKey(k => k.Id);
        builder.Property(k => k.Id).ValueGeneratedNever();
        builder.Property(k => k.Name).HasMaxLength(200);
        builder.Property(k => k.Role).HasMaxLength(16);
        builder.Property(k => k.Prefix).HasMaxLength(32);
        builder.Property(k => k.SecretHash).HasMaxLength(32);
        // Every request looks its key up by prefix.
        builder.HasIndex(k => k.Prefix).IsUnique();
        builder.HasIndex(k => k.TenantId);
        builder.HasOne(k => k.Tenant).WithMany().HasForeignKey(k => k.TenantId).OnDelete(DeleteBehavior.Cascade);
    }
}
