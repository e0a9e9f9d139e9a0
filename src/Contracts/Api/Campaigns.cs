using System.Text.Json.Serialization;

namespace VideoCoca.Contracts.Api;

/// <summary>
/// POST /api/campaigns: re-analyse (part of) the catalogue under a model version, at a rate, inside a daily window.
/// </summary>
public sealed class CampaignRequest
{
    /// <summary>The model version to analyse the clips under (its registered name).</summary>
    [JsonPropertyName("model_version")] public string? ModelVersion { get; init; }

    /// <summary>Which videos: every finished video (the default), narrowed by the dates and the ids below.</summary>
    [JsonPropertyName("scope")] public CampaignScope? Scope { get; init; }

    /// <summary>Clips published per minute, at most (default 600).</summary>
    [JsonPropertyName("clips_per_minute")] public int? ClipsPerMinute { get; init; }

    /// <summary>A daily window, "HH:mm-HH:mm" in <see cref="TimeZone"/> (e.g. "01:00-05:00"; one that ends before it starts runs over midnight); null for any time.</summary>
    [JsonPropertyName("window")] public string? Window { get; init; }

    /// <summary>The IANA time zone the window is read in; null for the platform's configured zone (Campaigns:TimeZone, UTC by default).</summary>
    [JsonPropertyName("time_zone")] public string? TimeZone { get; init; }

    /// <summary>Make the version the active one once every clip in scope is analysed under it (and none failed).</summary>
    [JsonPropertyName("activate_on_completion")] public bool ActivateOnCompletion { get; init; }
}

/// <summary>Which videos a campaign covers; a video must satisfy every field given.</summary>
public sealed class CampaignScope
{
    /// <summary>Only videos uploaded at or after this instant.</summary>
    [JsonPropertyName("uploaded_after")] public DateTimeOffset? UploadedAfter { get; init; }

    /// <summary>Only videos uploaded before this instant.</summary>
    [JsonPropertyName("uploaded_before")] public DateTimeOffset? UploadedBefore { get; init; }

    /// <summary>Only these videos.</summary>
    [JsonPropertyName("video_ids")] public IReadOnlyList<Guid>? VideoIds { get; init; }
}

/// <summary>A campaign as the API shows it: what it covers, where it stands, and when it should end.</summary>
public sealed class CampaignInfo
{
    /// <summary>The campaign.</summary>
    [JsonPropertyName("id")] public required Guid Id { get; init; }

    /// <summary>running, paused, cancelled, completed or failed.</summary>
    [JsonPropertyName("state")] public required string State { get; init; }

    /// <summary>The version the clips are analysed under.</summary>
    [JsonPropertyName("model_version")] public required string ModelVersion { get; init; }

    /// <summary>The version that was active when the campaign was made: the diff compares against it; null if there was none.</summary>
    [JsonPropertyName("source_model_version")] public string? SourceModelVersion { get; init; }

    /// <summary>Which videos it covers.</summary>
    [JsonPropertyName("scope")] public required CampaignScope Scope { get; init; }

    /// <summary>Clips published per minute, at most.</summary>
    [JsonPropertyName("clips_per_minute")] public required int ClipsPerMinute { get; init; }

    /// <summary>"HH:mm-HH:mm", or null for any time.</summary>
    [JsonPropertyName("window")] public string? Window { get; init; }

    /// <summary>The IANA time zone the window is read in.</summary>
    [JsonPropertyName("time_zone")] public required string TimeZone { get; init; }

    /// <summary>Whether the window is open now (always true without a window).</summary>
    [JsonPropertyName("in_window")] public required bool InWindow { get; init; }

    /// <summary>Whether the version becomes the active one when the campaign completes.</summary>
    [JsonPropertyName("activate_on_completion")] public required bool ActivateOnCompletion { get; init; }

    /// <summary>Clips in scope (finished videos only; grows while uploads in scope finish).</summary>
    [JsonPropertyName("total")] public required int Total { get; init; }

    /// <summary>Clips with a result under the version (analysed by the campaign, or already before it).</summary>
    [JsonPropertyName("done")] public required int Done { get; init; }

    /// <summary>Clips the workers gave up on during the campaign.</summary>
    [JsonPropertyName("failed")] public required int Failed { get; init; }

    /// <summary>Clips published and not yet answered.</summary>
    [JsonPropertyName("in_flight")] public required int InFlight { get; init; }

    /// <summary>Done and failed over total, 0 to 1.</summary>
    [JsonPropertyName("progress")] public required double Progress { get; init; }

    /// <summary>Seconds left at the rate it is going (capped by its clips per minute), not counting closed windows; null when not running or not yet measurable.</summary>
    [JsonPropertyName("eta_seconds")] public double? EtaSeconds { get; init; }

    /// <summary>What it is waiting for, or why it stopped.</summary>
    [JsonPropertyName("detail")] public string? Detail { get; init; }

    /// <summary>When it was made.</summary>
    [JsonPropertyName("created_at")] public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>When it completed, failed or was cancelled.</summary>
    [JsonPropertyName("finished_at")] public DateTimeOffset? FinishedAt { get; init; }
}

/// <summary>GET /api/campaigns: newest first, a page at a time.</summary>
public sealed record CampaignPage(
    [property: JsonPropertyName("items")] IReadOnlyList<CampaignInfo> Items,
    [property: JsonPropertyName("page")] int Page,
    [property: JsonPropertyName("page_size")] int PageSize,
    [property: JsonPropertyName("total")] int Total);

/// <summary>Wire names of <see cref="CampaignInfo.State"/>.</summary>
public static class CampaignStates
{
    /// <summary>Publishing, or waiting for its window.</summary>
    public const string Running = "running";
    /// <summary>Stopped by an operator; resumes where it stopped.</summary>
    public const string Paused = "paused";
    /// <summary>Stopped for good by an operator.</summary>
    public const string Cancelled = "cancelled";
    /// <summary>Every clip in scope answered under the version.</summary>
    public const string Completed = "completed";
    /// <summary>Could not go on; the detail says why.</summary>
    public const string Failed = "failed";
}
