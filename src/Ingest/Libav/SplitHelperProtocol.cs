using System.Buffers.Binary;
using System.Text;

namespace VideoCoca.Ingest.Libav;

/// <summary>
/// What a split helper writes on its standard output: records of a kind byte, a 32-bit little-endian length and that
/// many bytes. A helper says <see cref="Hello"/> once; for each request (one JSON <see cref="LibavSplitRequest"/> a
/// line on its standard input) it writes frames and log lines as the split goes, then <see cref="Exit"/> with the
/// command's exit code, or <see cref="Unsupported"/> (before any frame) when the command must do this video, or
/// <see cref="Failed"/> when the split itself broke.
/// </summary>
internal static class SplitHelperProtocol
{
    public const byte Hello = (byte)'H';
    public const byte Frame = (byte)'F';
    public const byte Log = (byte)'L';
    public const byte Exit = (byte)'X';
    public const byte Unsupported = (byte)'U';
    public const byte Failed = (byte)'E';

    public static void Write(Stream output, byte kind, ReadOnlySpan<byte> payload)
    {
        Span<byte> header = stackalloc byte[5];
        header[0] = kind;
        BinaryPrimitives.WriteInt32LittleEndian(header[1..], payload.Length);
        output.Write(header);
        output.Write(payload);
    }

    public static void Write(Stream output, byte kind, string text) => Write(output, kind, Encoding.UTF8.GetBytes(text));

    public static void Write(Stream output, byte kind, int value)
    {
        Span<byte> payload = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(payload, value);
        Write(output, kind, payload);
    }
}

/// <summary>The helper's first record: whether it can split in-process, and why not.</summary>
internal sealed record SplitHelperHello(bool Available, string? Reason);
