using System.Text.Json.Serialization;

namespace VideoCoca.Contracts.Api;

/// <summary>GET /api/models: every registered model version, and which one is active.</summary>
public sealed class ModelVersionList
{
    /// <summary>The active version's name (the one reads use and new uploads are analysed by); null while none was activated.</summary>
    [JsonPropertyName("active")] public string? Active { get; init; }

    /// <summary>Every registered version, the active one first, then the newest first.</summary>
    [JsonPropertyName("versions")] public required IReadOnlyList<ModelVersionInfo> Versions { get; init; }
}

/// <summary>A model version as operators see it: what it is, whether it is active, who runs it, how much of the catalogue it has analysed.</summary>
public sealed class ModelVersionInfo
{
    /// <summary>Its registered name (Worker:ModelVersion, or the config name and a short checksum).</summary>
    [JsonPropertyName("name")] public required string Name { get; init; }

    /// <summary>The checksum of its weights ("sha256:...").</summary>
    [JsonPropertyName("checksum")] public required string Checksum { get; init; }

    /// <summary>Its shape in a line (config name, input, widths, depths).</summary>
    [JsonPropertyName("config_summary")] public required string ConfigSummary { get; init; }

    /// <summary>What it takes from a clip; null for a version registered before inputs were kept.</summary>
    [JsonPropertyName("input")] public ModelInputInfo? Input { get; init; }

    /// <summary>The length of its embeddings.</summary>
    [JsonPropertyName("embedding_dimension")] public required int EmbeddingDimension { get; init; }

    /// <summary>When a worker first registered it.</summary>
    [JsonPropertyName("created_at")] public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>When it was last activated; null if never.</summary>
    [JsonPropertyName("activated_at")] public DateTimeOffset? ActivatedAt { get; init; }

    /// <summary>Whether it is the active version.</summary>
    [JsonPropertyName("active")] public required bool Active { get; init; }

    /// <summary>Workers running it now (heartbeat seen within three heartbeat periods).</summary>
    [JsonPropertyName("workers")] public required int Workers { get; init; }

    /// <summary>Clips with a result under it (of any video).</summary>
    [JsonPropertyName("clips_analysed")] public required int ClipsAnalysed { get; init; }

    /// <summary>The analysed clips of finished videos (completed or completed with errors): what coverage is counted over.</summary>
    [JsonPropertyName("catalogue_clips")] public required int CatalogueClips { get; init; }

    /// <summary>Of those, how many have no result under it: what a campaign would still analyse.</summary>
    [JsonPropertyName("clips_missing")] public required int ClipsMissing { get; init; }

    /// <summary>The share of the catalogue's clips with a result under it, 0 to 1 (1 for an empty catalogue).</summary>
    [JsonPropertyName("coverage")] public required double Coverage { get; init; }
}

/// <summary>What a model takes from a clip: T frames of H x W pixels, brought to that size by stretching or cropping.</summary>
public sealed class ModelInputInfo
{
    /// <summary>Frames per clip (T).</summary>
    [JsonPropertyName("frames")] public required int Frames { get; init; }

    /// <summary>Rows per frame.</summary>
    [JsonPropertyName("height")] public required int Height { get; init; }

    /// <summary>Columns per frame.</summary>
    [JsonPropertyName("width")] public required int Width { get; init; }

    /// <summary>stretch or crop.</summary>
    [JsonPropertyName("resize")] public required string Resize { get; init; }
}
