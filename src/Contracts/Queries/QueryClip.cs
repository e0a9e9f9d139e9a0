using VideoCoca.Contracts.Messages;

namespace VideoCoca.Contracts.Queries;

/// <summary>
/// One clip a model query is about, and where its stored frames are. Frames of 0 x 0 pixels are at the worker's model
/// input size (the size the silo extracts every clip at): the gateway, asking about stored clips, knows each clip's
/// frame file and frame count but not the ingest's frame size.
/// </summary>
public sealed record QueryClip(Guid ClipId, ClipFrames Frames);
