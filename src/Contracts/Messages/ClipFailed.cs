using MassTransit;

namespace VideoCoca.Contracts.Messages;

/// <summary>A worker gave up on one clip; the video's grain counts it as failed.</summary>
/// <param name="VideoId">The video the clip belongs to.</param>
/// <param name="ClipId">The clip.</param>
/// <param name="ClipIndex">The clip's position in the video, from 0.</param>
/// <param name="ModelVersion">The model version that was asked for, when known.</param>
/// <param name="Reason">Why, for people: shown as the clip's error.</param>
/// <param name="FailedAt">When the worker gave up.</param>
/// <param name="CampaignId">The campaign the clip was analysed for (copied from <see cref="AnalyzeClip"/>); null for an upload's clip.</param>
[MessageUrn("videococa:clip-failed")]
[EntityName("videococa.clip-failed")]
public sealed record ClipFailed(
    Guid VideoId,
    Guid ClipId,
    int ClipIndex,
    string? ModelVersion,
    string Reason,
    DateTimeOffset FailedAt,
    Guid? CampaignId = null);
