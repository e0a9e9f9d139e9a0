using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using VideoCoca.Persistence.Entities;

namespace VideoCoca.Persistence.Configuration;

internal sealed class ClipConfiguration : IEntityTypeConfiguration<Clip>
{
    public void Configure(EntityTypeBuilder<Clip> builder)
    {
        builder.ToTable("clips");
        builder.HasKey(c => c.Id);
        builder.Property(c => c.Id).ValueGeneratedNever();
        builder.Property(c => c.ThumbnailPath).HasMaxLength(2048);
        builder.Property(c => c.FramesPath).HasMaxLength(2048);
        builder.Property(c => c.FramesInput).HasMaxLength(64);
        builder.Property(c => c.State).HasConversion(new EnumAsSnakeCaseConverter<ClipState>()).HasMaxLength(32);
        builder.HasIndex(c => new { c.VideoId, c.Index }).IsUnique();
        // The retention sweeper's question, "which clips still keep a frames file", over a catalogue where almost all do not.
        builder.HasIndex(c => c.VideoId).HasFilter("frames_deleted_at IS NULL AND frames_path IS NOT NULL");
        builder.HasMany(c => c.Results).WithOne(r => r.Clip).HasForeignKey(r => r.ClipId).OnDelete(DeleteBehavior.Cascade);
    }
}
