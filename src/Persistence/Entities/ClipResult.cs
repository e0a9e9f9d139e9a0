namespace VideoCoca.Persistence.Entities;

/// <summary>
/// What one model version found in one clip. Keyed by (clip, model version): a worker that sees a
/// clip twice finds the key taken and writes nothing new.
/// </summary>
public sealed class ClipResult
{
    public Guid ClipId { get; set; }

    public int ModelVersionId { get; set; }

    public required string Caption { get; set; }

    /// <summary>The clip's L2-normalised video embedding (a PostgreSQL real[]).</summary>
    public required float[] Embedding { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public Clip? Clip { get; set; }

    public ModelVersion? ModelVersion { get; set; }

    public List<ClipLabel> Labels { get; set; } = [];

    public List<ClipAnswer> Answers { get; set; } = [];
}
