using VideoCoca.Contracts.Messages;

namespace VideoCoca.Contracts.Queries;

/// <summary>One clip a model query is about, and where its stored frames are.</summary>
public sealed record QueryClip(Guid ClipId, ClipFrames Frames);
