namespace VideoCoca.Persistence.Entities;

/// <summary>A model version's answer to one question about a clip.</summary>
public sealed class ClipAnswer
{
    public Guid ClipId { get; set; }

    public int ModelVersionId { get; set; }

    public required string Question { get; set; }

    public required string Answer { get; set; }
}
