namespace VideoCoca.Ingest.Libav;

/// <summary>One stream of a file as ffprobe's <c>-show_streams</c> describes it.</summary>
/// <param name="Seconds">The stream's duration; 0 where the container gives none.</param>
/// <param name="LengthPrefixed">H.264 stored as length-prefixed NAL units (an avcC record), what ffprobe calls <c>is_avc</c>.</param>
public sealed record ContainerStream(
    int Index, string Type, string Codec, double AverageFrameRate, double Seconds, int Width, int Height, bool LengthPrefixed, int NalLengthSize);

/// <summary>
/// What ffprobe <c>-count_packets -show_format -show_streams</c> tells of a file, every packet read: the container's
/// format and duration, its streams, the first video stream's packet table when it is H.264, and the first error
/// libav reported on the way.
/// </summary>
/// <param name="Seconds">The container's duration; 0 where it gives none.</param>
/// <param name="Failure">Why the file could not be opened as media at all; null when it could (then the rest is filled).</param>
/// <param name="Complaint">The first error libav reported while it read the file; null when it read cleanly.</param>
public sealed record ContainerReport(
    string FormatName, double Seconds, long FileSize, IReadOnlyList<ContainerStream> Streams, string? Complaint, string? Failure, PacketTable? Packets)
{
    public static ContainerReport Failed(string failure) => new("", 0, 0, [], null, failure, null);
}
