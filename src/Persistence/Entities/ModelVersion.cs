namespace VideoCoca.Persistence.Entities;

/// <summary>A model the workers ran: results are stored per (clip, model version).</summary>
public sealed class ModelVersion
{
    public int Id { get; set; }

    /// <summary>The registered name, unique (for example "world-tiny-2026-11").</summary>
    public required string Name { get; set; }

    /// <summary>Checksum of the weights (for example "sha256:..."), so a name never hides different weights.</summary>
    public required string Checksum { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>The length of the version's embeddings (its HNSW index casts vectors to it); 0 until a worker registers it.</summary>
    public int EmbeddingDimension { get; set; }

    /// <summary>
    /// When an operator (or the first worker of an empty catalogue) made this version the one that reads and that new
    /// uploads use; the active version is the one activated last. Null for a version never activated.
    /// </summary>
    public DateTimeOffset? ActivatedAt { get; set; }

    /// <summary>Frames the model takes per clip (T); 0 until a worker registers the version.</summary>
    public int InputFrames { get; set; }

    /// <summary>Frame height the model takes, in pixels.</summary>
    public int InputHeight { get; set; }

    /// <summary>Frame width the model takes, in pixels.</summary>
    public int InputWidth { get; set; }

    /// <summary>How frames reach the input size (stretch or crop), as the model's config says.</summary>
    public string InputResize { get; set; } = "";

    /// <summary>A short description of the model's shape for operators (config name, widths, depths).</summary>
    public string ConfigSummary { get; set; } = "";
}
