namespace VideoCoca.Persistence.Entities;

/// <summary>One label a model version gave a clip, with its confidence and rank (0 is the best).</summary>
public sealed class ClipLabel
{
    public Guid ClipId { get; set; }

    public int ModelVersionId { get; set; }

    public required string Label { get; set; }

    /// <summary>The model's confidence, 0 to 1.</summary>
    public double Confidence { get; set; }

    /// <summary>Position among the clip's labels, 0 for the most confident.</summary>
    public int Rank { get; set; }
}
