using System.Diagnostics;
using System.Text;
using System.Text.Json;

namespace VideoCoca.Ingest.Libav;

/// <summary>
/// The split helper's side (<c>vcp-split-helper</c>): splits each requested video with <see cref="LibavSplit"/> and
/// writes what the command would have printed as <see cref="SplitHelperProtocol"/> records, until its input ends (its
/// host stopped or let it go).
/// </summary>
public static class SplitHelperServer
{
    public static int Run(Stream input, Stream output)
    {
        using var requests = new StreamReader(input, Encoding.UTF8);
        using var records = new BufferedStream(output, 1 << 16);
        var reason = LibavSplit.WhyUnavailable;
        SplitHelperProtocol.Write(records, SplitHelperProtocol.Hello, JsonSerializer.Serialize(new SplitHelperHello(reason is null, reason)));
        records.Flush();
        while (requests.ReadLine() is { } line)
        {
            try
            {
                var request = JsonSerializer.Deserialize<LibavSplitRequest>(line) ?? throw new JsonException("no request");
                var code = LibavSplit.Run(request, new Output(records, request.FailAfterFrames));
                SplitHelperProtocol.Write(records, SplitHelperProtocol.Exit, code);
            }
            catch (LibavSplitUnsupportedException e)
            {
                SplitHelperProtocol.Write(records, SplitHelperProtocol.Unsupported, e.Message);
            }
            catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException or InvalidOperationException)
            {
                SplitHelperProtocol.Write(records, SplitHelperProtocol.Failed, e.Message);
            }
            records.Flush();
        }
        return 0;
    }

    private sealed class Output(Stream records, int? failAfterFrames) : ILibavSplitOutput
    {
        private int _frames;

        public void Frame(byte[] rgb, int length)
        {
            SplitHelperProtocol.Write(records, SplitHelperProtocol.Frame, rgb.AsSpan(0, length));
            records.Flush();
            if (++_frames == failAfterFrames)
            {
                // The fault hook: die as a crash or the kernel's OOM killer would end it, mid-video.
                Process.GetCurrentProcess().Kill();
                Thread.Sleep(Timeout.Infinite);
            }
        }

        public void Message(string line) => SplitHelperProtocol.Write(records, SplitHelperProtocol.Log, line);
    }
}
