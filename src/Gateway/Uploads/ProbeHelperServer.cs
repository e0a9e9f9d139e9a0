using System.Text;
using System.Text.Json;
using VideoCoca.Ingest.Libav;

namespace VideoCoca.Gateway.Uploads;

/// <summary>The helper's first line: whether it can probe in-process, and why not.</summary>
public sealed record ProbeHelperHello(bool Available, string? Reason);

/// <summary>A reply to one path: the report, or why the probe itself failed (not the file: a bad file is a report).</summary>
public sealed record ProbeHelperReply(ContainerReport? Report, string? Error);

/// <summary>
/// What the gateway's executable does when started with <see cref="Argument"/>: a probe helper for
/// <see cref="ProbeHelpers"/>. It says hello, then for each path read from standard input (one JSON string a line)
/// writes one JSON line with what <see cref="LibavProbe"/> found, until its input ends (the gateway stopped).
/// </summary>
public static class ProbeHelperServer
{
    public const string Argument = "--probe-helper";

    public static bool IsRequested(string[] args) => args is [Argument];

    public static int Run()
    {
        using var input = new StreamReader(Console.OpenStandardInput(), Encoding.UTF8);
        using var output = new StreamWriter(Console.OpenStandardOutput(), new UTF8Encoding(false)) { AutoFlush = false };
        WriteLine(output, new ProbeHelperHello(LibavProbe.Available, LibavProbe.WhyUnavailable));
        while (input.ReadLine() is { } line)
        {
            ProbeHelperReply reply;
            try
            {
                var path = JsonSerializer.Deserialize<string>(line) ?? throw new JsonException("no path");
                reply = new ProbeHelperReply(LibavProbe.Probe(path), null);
            }
            catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException or InvalidOperationException)
            {
                reply = new ProbeHelperReply(null, e.Message);
            }
            WriteLine(output, reply);
        }
        return 0;
    }

    private static void WriteLine<T>(StreamWriter output, T message)
    {
        output.WriteLine(JsonSerializer.Serialize(message));
        output.Flush();
    }
}
