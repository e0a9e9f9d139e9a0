using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using VideoCoca.Persistence.Entities;

namespace VideoCoca.Persistence.Configuration;

internal sealed class ClipAnswerConfiguration : IEntityTypeConfiguration<ClipAnswer>
{
    public void Configure(EntityTypeBuilder<ClipAnswer> builder)
    {
        builder.ToTable("clip_answers");
        builder.HasKey(a => new { a.ClipId, a.ModelVersionId, a.Question });
        builder.Property(a => a.Question).HasMaxLength(1000);
    }
}
