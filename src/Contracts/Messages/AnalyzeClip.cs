using MassTransit;

namespace VideoCoca.Contracts.Messages;

/// <summary>
/// Asks a worker to run the model on one clip: published by the video's grain once the clip's
/// frames are extracted, one message per clip.
/// </summary>
/// <param name="VideoId">The video the clip belongs to.</param>
/// <param name="ClipId">The clip; results are keyed by (clip, model version), so a redelivery is harmless.</param>
/// <param name="ClipIndex">The clip's position in the video, from 0.</param>
/// <param name="StartSeconds">Where the clip starts in the video.</param>
/// <param name="EndSeconds">Where the clip ends in the video.</param>
/// <param name="Frames">The clip's frames, already sampled and resized to the model's input size.</param>
/// <param name="Questions">Questions to answer about the clip; empty for none.</param>
/// <param name="ModelVersion">The model version to run (its registered name), whose queue the message is sent to
/// (<see cref="ClipQueues.For"/>); null for a clip recorded while no version was registered, which any worker takes from the shared queue.</param>
/// <param name="CampaignId">The re-processing campaign that published the clip; null for a clip of a new upload.</param>
[MessageUrn("videococa:analyze-clip")]
[EntityName("videococa.analyze-clip")]
public sealed record AnalyzeClip(
    Guid VideoId,
    Guid ClipId,
    int ClipIndex,
    double StartSeconds,
    double EndSeconds,
    ClipFrames Frames,
    IReadOnlyList<string> Questions,
    string? ModelVersion,
    Guid? CampaignId = null);
