using VideoCoca.Contracts.Api;
using VideoCoca.Persistence.Entities;

namespace VideoCoca.Grains.Storage;

/// <summary>The grain's writes to the results database: the Video row mirrors the grain's state; Clip rows are created once per index.</summary>
public interface IVideoRecords
{
    /// <summary>Creates or updates the video's row.</summary>
    Task SaveVideoAsync(VideoRow video, CancellationToken cancellationToken = default);

    /// <summary>
    /// Creates the clips' rows (one round trip) unless rows exist for their (video, index); returns the ids of the rows
    /// that are there, in the clips' order.
    /// </summary>
    Task<IReadOnlyList<Guid>> AddClipsAsync(IReadOnlyList<Clip> clips, CancellationToken cancellationToken = default);

    /// <summary>Records what the workers said about a clip.</summary>
    Task SetClipStateAsync(Guid videoId, int index, ClipState state, string? error, CancellationToken cancellationToken = default);

    /// <summary>Records that the workers analysed these clips (one statement for them all).</summary>
    Task SetClipStatesAsync(Guid videoId, IReadOnlyCollection<int> analysed, CancellationToken cancellationToken = default);

    /// <summary>The video's clips that a worker has finished with (analysed or failed), as their rows say.</summary>
    Task<IReadOnlyList<SettledClip>> SettledClipsAsync(Guid videoId, CancellationToken cancellationToken = default);

    /// <summary>Removes every clip row of the video (and their results).</summary>
    Task DeleteClipsAsync(Guid videoId, CancellationToken cancellationToken = default);

    /// <summary>The active model version (the one new uploads are analysed by) and the input it takes; null while no version is registered.</summary>
    Task<ModelTarget?> ActiveModelVersionAsync(CancellationToken cancellationToken = default);

    /// <summary>Removes the video's row; clips and results go with it.</summary>
    Task DeleteVideoAsync(Guid videoId, CancellationToken cancellationToken = default);
}

/// <summary>A model version clips are cut and queued for: its name (its queue) and its input (null when its workers never said).</summary>
public sealed record ModelTarget(string Name, FrameInput? Input);

/// <summary>The video row's fields the grain owns (<c>Warnings</c> null: leave the row's as they are).</summary>
public sealed record VideoRow(
    Guid Id,
    string FileName,
    string BlobPath,
    long SizeBytes,
    double? DurationSeconds,
    VideoState State,
    double ClipLengthSeconds,
    double OverlapSeconds,
    int FramesPerClip,
    IReadOnlyList<string> Questions,
    string? Error,
    DateTimeOffset CreatedAt,
    int ClipsTotal,
    int ClipsDone,
    int ClipsFailed,
    IReadOnlyList<string>? Warnings = null);

/// <summary>A clip whose analysis is over: <see cref="ClipState.Analysed"/> or <see cref="ClipState.Failed"/> with the reason.</summary>
public sealed record SettledClip(int Index, ClipState State, string? Error);
