using System.Text.RegularExpressions;

namespace VideoCoca.Ingest;

/// <summary>
/// A copy of an H.264 video in which the pictures a split does not keep and no other picture refers to (slices with
/// <c>nal_ref_idc</c> 0) are blanked, so that ffmpeg does not decode them. Every other picture decodes to the same
/// bytes as from the original file (nothing refers to the blanked ones), and the decoder numbers the kept frames in
/// the same order, so a frame's number in the copy is its rank among the kept ones.
/// </summary>
/// <param name="Path">The patched copy, in the split's work folder.</param>
/// <param name="PacketCount">Video packets of the file: the frames the original file decodes to.</param>
/// <param name="KeptNumbers">The frame numbers (in display order) of the original file that still decode, in order.</param>
internal sealed partial record UnusedFramesCopy(string Path, int PacketCount, int[] KeptNumbers)
{
    /// <summary>Pictures blanked: ffmpeg reports each as a packet without a picture.</summary>
    public int BlankedPictures => PacketCount - KeptNumbers.Length;

    /// <summary>
    /// The copy's number of frame <paramref name="number"/> of the original; numbers past the file's packets (frames a
    /// probe promised but the file lacks) stay past the copy's last frame, in order.
    /// </summary>
    public int Renumber(int number)
    {
        if (number >= PacketCount) return KeptNumbers.Length + (number - PacketCount);
        var index = Array.BinarySearch(KeptNumbers, number);
        if (index < 0) throw new ArgumentException($"frame {number} was blanked", nameof(number));
        return index;
    }

    /// <summary>
    /// Whether a line of ffmpeg's standard error is one of the three it prints for each blanked picture (its parser
    /// finds no picture in the packet, the decoder no frame, and the decode of the packet fails), up to as many of
    /// each as there are blanked pictures; real complaints are left to <see cref="DecoderMessages"/>.
    /// </summary>
    public sealed class Complaints(int blanked)
    {
        private int _missingPicture = blanked;
        private int _noFrame = blanked;
        private int _failedPacket = blanked;
        private bool _lastForgiven;

        public bool Forgive(string line)
        {
            var text = line.Trim();
            // ffmpeg folds a run of one line; the run belongs to whichever line came before it.
            if (DecoderMessages.IsRepeatNote(text)) return _lastForgiven;
            bool forgiven;
            if (text.Contains("] missing picture in access unit with size ", StringComparison.Ordinal)) forgiven = Take(ref _missingPicture);
            else if (text.EndsWith("] no frame!", StringComparison.Ordinal)) forgiven = Take(ref _noFrame);
            else if (FailedPacketLine().IsMatch(text)) forgiven = Take(ref _failedPacket);
            else forgiven = false;
            _lastForgiven = forgiven;
            return forgiven;
        }

        private static bool Take(ref int left)
        {
            if (left <= 0) return false;
            left--;
            return true;
        }
    }

    [GeneratedRegex(@"^Error while decoding stream #0:\d+: Invalid data found when processing input$")]
    private static partial Regex FailedPacketLine();
}

/// <summary>Makes an <see cref="UnusedFramesCopy"/> of a video when that spares the split any decoding.</summary>
internal static class UnusedFrames
{
    /// <summary>
    /// The copy of <paramref name="source"/> in <paramref name="folder"/> that leaves out every unreferenced picture
    /// whose frame number is not in <paramref name="keep"/>; null when there is none to leave out, or the video is not
    /// H.264 in an MP4 or QuickTime file (where a packet's position is that of its data), or its packets do not give each frame's place (a packet
    /// without a position or a time, two at one time, packets the container discards): the split then decodes the file.
    /// </summary>
    /// <param name="useSidecar">Take the packet table the gateway kept beside the file, when there is one.</param>
    public static async Task<UnusedFramesCopy?> CopyAsync(
        string ffprobe, string source, IReadOnlySet<int> keep, string folder, CancellationToken cancellationToken, bool useSidecar = true)
    {
        // The gateway's table, when it kept one, spares a second ffprobe of the same file.
        var sidecar = useSidecar ? await PacketTable.ReadSidecarAsync(source, cancellationToken) : null;
        var packets = Decodable(sidecar ?? await PacketTable.ProbeAsync(ffprobe, source, cancellationToken));
        if (packets is null) return null;
        var (lengthSize, table) = packets.Value;

        // Frame numbers are display order: the packets sorted by presentation time.
        var byTime = Enumerable.Range(0, table.Count).ToArray();
        Array.Sort(byTime, (a, b) => table[a].Pts.CompareTo(table[b].Pts));
        for (var i = 1; i < byTime.Length; i++)
        {
            if (table[byTime[i]].Pts == table[byTime[i - 1]].Pts) return null;
        }

        var blank = new List<long>();
        var kept = new List<int>(byTime.Length);
        using (var file = File.OpenHandle(source))
        {
            var header = new byte[5];
            for (var number = 0; number < byTime.Length; number++)
            {
                var slices = keep.Contains(number) ? null : UnreferencedSlices(file, table[byTime[number]], lengthSize, header);
                if (slices is null) kept.Add(number);
                else blank.AddRange(slices);
            }
        }
        if (kept.Count == byTime.Length) return null;

        var path = Path.Combine(folder, "unused-frames-blanked" + Path.GetExtension(source));
        File.Copy(source, path, overwrite: true);
        await using (var copy = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.None, bufferSize: 1))
        {
            // NAL unit type 0 is unspecified: decoders pass over it, so the packet no longer holds a picture.
            var unspecified = new byte[] { 0 };
            foreach (var offset in blank)
            {
                copy.Position = offset;
                await copy.WriteAsync(unspecified, cancellationToken);
            }
        }
        return new UnusedFramesCopy(path, byTime.Length, kept.ToArray());
    }

    /// <summary>
    /// The file offsets of a packet's slice headers when every slice in it is an unreferenced non-IDR slice; null when
    /// any is referenced (or of another kind), when it has none, or when its length prefixes do not add up.
    /// </summary>
    private static List<long>? UnreferencedSlices(Microsoft.Win32.SafeHandles.SafeFileHandle file, Packet packet, int lengthSize, byte[] header)
    {
        var slices = new List<long>();
        var offset = packet.Position;
        var end = packet.Position + packet.Size;
        while (offset < end)
        {
            if (end - offset < lengthSize + 1) return null;
            if (RandomAccess.Read(file, header.AsSpan(0, lengthSize + 1), offset) != lengthSize + 1) return null;
            long length = 0;
            for (var i = 0; i < lengthSize; i++) length = (length << 8) | header[i];
            if (length < 1 || length > end - offset - lengthSize) return null;
            var nal = header[lengthSize];
            var type = nal & 0x1F;
            var referenced = (nal >> 5) & 0x3;
            if (type is >= 1 and <= 5)
            {
                if (type != 1 || referenced != 0 || (nal & 0x80) != 0) return null;
                slices.Add(offset + lengthSize);
            }
            offset += lengthSize + length;
        }
        return slices.Count > 0 ? slices : null;
    }

    private readonly record struct Packet(long Pts, long Position, int Size);

    /// <summary>
    /// The NAL length size and packets in decode order of a table the copy can be made from: H.264 stored length-prefixed
    /// in MP4 or QuickTime (other containers' packet positions may point at a block header before the data, as
    /// Matroska's do), every packet timed, placed and shown.
    /// </summary>
    private static (int LengthSize, List<Packet> Packets)? Decodable(PacketTable? table)
    {
        if (table is null || table.Codec != "h264" || !table.LengthPrefixed || table.NalLengthSize is not (1 or 2 or 4)) return null;
        if (!table.FormatName.Split(',').Contains("mp4") || table.Packets.Count == 0) return null;
        var packets = new List<Packet>(table.Packets.Count);
        foreach (var packet in table.Packets)
        {
            if (packet is not { Pts: { } pts, Position: { } position, Size: { } size, Discarded: false }) return null;
            packets.Add(new Packet(pts, position, size));
        }
        return (table.NalLengthSize, packets);
    }
}
