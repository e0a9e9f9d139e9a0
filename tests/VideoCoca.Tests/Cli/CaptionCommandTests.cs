using System.Net;
using System.Text;

namespace VideoCoca.Tests.Cli;

/// <summary>
/// <c>vcp captions</c> against a stand-in gateway: the format picks the export asked for, the subtitles are printed (or
/// written to --output) as the gateway sent them, a refusal is reported with its detail, a bad format never reaches the gateway.
/// </summary>
public sealed class CaptionCommandTests : IDisposable
{
    private const string Srt = "1\n00:00:00,000 --> 00:00:04,000\na large red square moves left\n\n";
    private const string Vtt = "WEBVTT\n\n1\n00:00:00.000 --> 00:00:04.000\na large red square moves left\n\n";

    private readonly HttpListener _listener;
    private readonly List<string> _paths = [];
    private readonly string _address;
    private readonly Guid _video = Guid.NewGuid();

    public CaptionCommandTests()
    {
        (_listener, _address) = LoopbackListener.Start();
        _ = ServeAsync();
    }

    public void Dispose() => _listener.Close();

    private CliProcess.Result Run(params string[] args) => CliProcess.Run(["captions", .. args, "--gateway", _address]);

    [Fact]
    public void WebVttByDefaultAndSubRipWithFormatSrt()
    {
        var vtt = Run(_video.ToString());
        Assert.True(vtt.ExitCode == 0, vtt.Stderr);
        Assert.Equal(Vtt, vtt.Stdout);
        var srt = Run(_video.ToString(), "--format", "srt");
        Assert.True(srt.ExitCode == 0, srt.Stderr);
        Assert.Equal(Srt, srt.Stdout);
        Assert.Equal([$"/api/videos/{_video}/captions.vtt", $"/api/videos/{_video}/captions.srt"], Paths());
    }

    [Fact]
    public void OutputWritesTheFile()
    {
        var file = Path.Combine(Path.GetTempPath(), $"vcp-captions-{Guid.NewGuid():N}.srt");
        try
        {
            var result = Run(_video.ToString(), "--format", "srt", "--output", file);
            Assert.True(result.ExitCode == 0, result.Stderr);
            Assert.Equal(Srt, File.ReadAllText(file));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void AVideoNotYetAnalysedIsReportedWithTheGatewaysReason()
    {
        var pending = Guid.NewGuid();
        var result = Run(pending.ToString());
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("409", result.Stderr, StringComparison.Ordinal);
        Assert.Contains($"video {pending} is still being analysed", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void AnUnknownFormatNeverReachesTheGateway()
    {
        var result = Run(_video.ToString(), "--format", "ass");
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("ass", result.Stderr + result.Stdout, StringComparison.Ordinal);
        Assert.Empty(Paths());
    }

    private List<string> Paths()
    {
        lock (_paths) return [.. _paths];
    }

    /// <summary>Answers the exports of <see cref="_video"/>; any other video is still being analysed (409 with a problem body).</summary>
    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try { context = await _listener.GetContextAsync(); }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException) { return; }
            var path = context.Request.Url!.AbsolutePath;
            lock (_paths) _paths.Add(path);
            var (status, type, body) = path switch
            {
                _ when path == $"/api/videos/{_video}/captions.vtt" => (200, "text/vtt", Vtt),
                _ when path == $"/api/videos/{_video}/captions.srt" => (200, "application/x-subrip", Srt),
                _ => (409, "application/problem+json",
                    $"{{\"title\":\"Not analysed yet\",\"status\":409,\"detail\":\"video {path.Split('/')[3]} is still being analysed; its captions are ready once it is completed\"}}"),
            };
            var bytes = Encoding.UTF8.GetBytes(body);
            context.Response.StatusCode = status;
            context.Response.ContentType = type;
            context.Response.ContentLength64 = bytes.Length;
            await context.Response.OutputStream.WriteAsync(bytes);
            context.Response.Close();
        }
    }
}
