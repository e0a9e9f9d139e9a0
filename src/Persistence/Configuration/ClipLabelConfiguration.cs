using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using VideoCoca.Persistence.Entities;

namespace VideoCoca.Persistence.Configuration;

internal sealed class ClipLabelConfiguration : IEntityTypeConfiguration<ClipLabel>
{
    public void Configure(EntityTypeBuilder<ClipLabel> builder)
    {
        builder.ToTable("clip_labels");
        builder.HasKey(l => new { l.ClipId, l.ModelVersionId, l.Label });
        builder.Property(l => l.Label).HasMaxLength(200);
        // Label filters: "clips labelled X with confidence at least c".
        builder.HasIndex(l => new { l.Label, l.Confidence });
    }
}
