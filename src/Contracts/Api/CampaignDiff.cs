using System.Text.Json.Serialization;

namespace VideoCoca.Contracts.Api;

/// <summary>
/// GET /api/campaigns/{id}/diff: what changed between the campaign's source version (the one active when it was made)
/// and its target version, over the campaign's clips that have a result under both.
/// </summary>
public sealed class CampaignDiff
{
    /// <summary>The campaign.</summary>
    [JsonPropertyName("campaign_id")] public required Guid CampaignId { get; init; }

    /// <summary>The version compared against (the "before").</summary>
    [JsonPropertyName("source_model_version")] public required string SourceModelVersion { get; init; }

    /// <summary>The version the campaign analyses under (the "after").</summary>
    [JsonPropertyName("target_model_version")] public required string TargetModelVersion { get; init; }

    /// <summary>The campaign's clips with a result under both versions: every count below is out of these.</summary>
    [JsonPropertyName("compared")] public required int Compared { get; init; }

    /// <summary>The campaign's clips with a result under the target version but none under the source version.</summary>
    [JsonPropertyName("only_target")] public required int OnlyTarget { get; init; }

    /// <summary>How many compared clips changed, per field.</summary>
    [JsonPropertyName("changed")] public required CampaignDiffCounts Changed { get; init; }

    /// <summary>Per top label under the source version (most clips first): how many clips had it and where they went.</summary>
    [JsonPropertyName("per_label")] public required IReadOnlyList<CampaignLabelDiff> PerLabel { get; init; }

    /// <summary>A page of compared clips side by side, those that changed as the request's <c>changed</c> asks.</summary>
    [JsonPropertyName("examples")] public required CampaignDiffExamplePage Examples { get; init; }
}

/// <summary>Clips whose caption, top label or answers changed, and those with any of the three.</summary>
public sealed class CampaignDiffCounts
{
    /// <summary>Clips whose caption differs.</summary>
    [JsonPropertyName("caption")] public required int Caption { get; init; }

    /// <summary>Clips whose top label (rank 0) differs, or that have one under a single version only.</summary>
    [JsonPropertyName("top_label")] public required int TopLabel { get; init; }

    /// <summary>Clips with a question answered under both versions, differently.</summary>
    [JsonPropertyName("answers")] public required int Answers { get; init; }

    /// <summary>Clips with at least one of the three changes.</summary>
    [JsonPropertyName("any")] public required int Any { get; init; }
}

/// <summary>One top label under the source version: its clips, how many of them got another top label, and which.</summary>
public sealed class CampaignLabelDiff
{
    /// <summary>The top label under the source version.</summary>
    [JsonPropertyName("label")] public required string Label { get; init; }

    /// <summary>Compared clips with it as their top label under the source version.</summary>
    [JsonPropertyName("clips")] public required int Clips { get; init; }

    /// <summary>Of those, clips whose top label under the target version is another (or none).</summary>
    [JsonPropertyName("changed")] public required int Changed { get; init; }

    /// <summary>Their top labels under the target version, most clips first.</summary>
    [JsonPropertyName("changed_to")] public required IReadOnlyList<CampaignLabelCount> ChangedTo { get; init; }
}

/// <summary>A label and how many clips have it.</summary>
public sealed class CampaignLabelCount
{
    /// <summary>The label; null for clips with no label under the target version.</summary>
    [JsonPropertyName("label")] public string? Label { get; init; }

    /// <summary>How many clips.</summary>
    [JsonPropertyName("clips")] public required int Clips { get; init; }
}

/// <summary>A page of clips side by side, ordered by video and clip index.</summary>
public sealed class CampaignDiffExamplePage
{
    /// <summary>Which change the examples show: caption, top_label, answers or any.</summary>
    [JsonPropertyName("changed")] public required string Changed { get; init; }

    /// <summary>The clips of this page.</summary>
    [JsonPropertyName("items")] public required IReadOnlyList<CampaignDiffExample> Items { get; init; }

    /// <summary>From 1.</summary>
    [JsonPropertyName("page")] public required int Page { get; init; }

    /// <summary>Clips per page.</summary>
    [JsonPropertyName("page_size")] public required int PageSize { get; init; }

    /// <summary>Clips with the change, over all pages.</summary>
    [JsonPropertyName("total")] public required int Total { get; init; }
}

/// <summary>One clip, its results under the source version (before) and the target version (after).</summary>
public sealed class CampaignDiffExample
{
    /// <summary>The clip.</summary>
    [JsonPropertyName("clip_id")] public required Guid ClipId { get; init; }

    /// <summary>The clip's video.</summary>
    [JsonPropertyName("video_id")] public required Guid VideoId { get; init; }

    /// <summary>The clip's position in its video, from 0.</summary>
    [JsonPropertyName("clip_index")] public required int ClipIndex { get; init; }

    /// <summary>Where the clip starts, in seconds.</summary>
    [JsonPropertyName("start_seconds")] public required double StartSeconds { get; init; }

    /// <summary>Where the clip ends, in seconds.</summary>
    [JsonPropertyName("end_seconds")] public required double EndSeconds { get; init; }

    /// <summary>The clip's thumbnail, when it has one.</summary>
    [JsonPropertyName("thumbnail_url")] public string? ThumbnailUrl { get; init; }

    /// <summary>Under the source version.</summary>
    [JsonPropertyName("before")] public required CampaignDiffSide Before { get; init; }

    /// <summary>Under the target version.</summary>
    [JsonPropertyName("after")] public required CampaignDiffSide After { get; init; }

    /// <summary>What changed: caption, top_label, answers (empty when nothing did).</summary>
    [JsonPropertyName("changed")] public required IReadOnlyList<string> Changed { get; init; }
}

/// <summary>A clip's result under one version, as the diff shows it.</summary>
public sealed class CampaignDiffSide
{
    /// <summary>The caption.</summary>
    [JsonPropertyName("caption")] public required string Caption { get; init; }

    /// <summary>The top label (rank 0); null when the version gave none.</summary>
    [JsonPropertyName("top_label")] public string? TopLabel { get; init; }

    /// <summary>The top label's confidence, 0 to 1.</summary>
    [JsonPropertyName("confidence")] public double? Confidence { get; init; }

    /// <summary>The answers, by question.</summary>
    [JsonPropertyName("answers")] public required IReadOnlyList<AnswerResult> Answers { get; init; }
}

/// <summary>Wire names of the diff's <c>changed</c> filter and of an example's changed fields.</summary>
public static class CampaignDiffChanges
{
    /// <summary>The caption differs.</summary>
    public const string Caption = "caption";
    /// <summary>The top label differs.</summary>
    public const string TopLabel = "top_label";
    /// <summary>A question answered under both versions got another answer.</summary>
    public const string Answers = "answers";
    /// <summary>Any of the three (the filter's default).</summary>
    public const string Any = "any";

    /// <summary>Every value the filter takes.</summary>
    public static readonly IReadOnlyList<string> Filters = [Caption, TopLabel, Answers, Any];
}
