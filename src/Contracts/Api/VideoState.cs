using System.Text.Json.Serialization;

namespace VideoCoca.Contracts.Api;

/// <summary>Where a video is in its life: written snake_case on the wire ("completed_with_errors").</summary>
[JsonConverter(typeof(JsonStringEnumConverter<VideoState>))]
public enum VideoState
{
    /// <summary>Uploaded and stored; nothing done yet.</summary>
    [JsonStringEnumMemberName("received")] Received,

    /// <summary>Being probed (duration, streams, validity).</summary>
    [JsonStringEnumMemberName("probing")] Probing,

    /// <summary>Being split into clips and their frames extracted.</summary>
    [JsonStringEnumMemberName("splitting")] Splitting,

    /// <summary>Clips queued to the workers; results arriving.</summary>
    [JsonStringEnumMemberName("analysing")] Analysing,

    /// <summary>Every clip analysed.</summary>
    [JsonStringEnumMemberName("completed")] Completed,

    /// <summary>Every clip done, some of them failed.</summary>
    [JsonStringEnumMemberName("completed_with_errors")] CompletedWithErrors,

    /// <summary>The video itself could not be processed (unreadable, too long, ...).</summary>
    [JsonStringEnumMemberName("failed")] Failed,
}
