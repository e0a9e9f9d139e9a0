namespace VideoCoca.Grains.Retention;

/// <summary>
/// The <c>Retention</c> configuration section: what the platform keeps once a video is analysed, and for how long. The
/// defaults keep what re-processing needs: the original upload (a new model's frames are cut from it again); the raw frame
/// files of analysed clips only for a week, for questions asked about recent uploads after the fact.
/// </summary>
public sealed class RetentionOptions
{
    public const string SectionName = "Retention";

    /// <summary>
    /// How long the frame files of a finished video's analysed clips are kept after it finished; null keeps them for ever
    /// (a campaign for a version of the same input then reuses them instead of cutting them again). Frames of failed clips
    /// are kept for a retry. Seven days by default: re-processing needs only the original, but a question asked after
    /// the fact (and a re-ranked search) reads a clip's stored frames, and moderation asks about recent uploads most.
    /// </summary>
    public TimeSpan? Frames { get; set; } = TimeSpan.FromDays(7);

    /// <summary>How long an original upload is kept after its video finished; null (the default) keeps it: the player and re-processing read it.</summary>
    public TimeSpan? Originals { get; set; }

    /// <summary>How often the silo looks for files past their time.</summary>
    public TimeSpan SweepPeriod { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Rejects settings the sweeper cannot use.</summary>
    public void Validate()
    {
        if (Frames < TimeSpan.Zero) throw new InvalidOperationException("Retention:Frames must be zero or more (or empty to keep frames).");
        if (Originals < TimeSpan.Zero) throw new InvalidOperationException("Retention:Originals must be zero or more (or empty to keep originals).");
        if (SweepPeriod <= TimeSpan.Zero) throw new InvalidOperationException("Retention:SweepPeriod must be positive.");
    }
}
