namespace VideoCoca.ServiceDefaults.Telemetry;

/// <summary>
/// The names the hosts' own instrumentation goes by. Each host defines its ActivitySource and Meter where it measures
/// (named VideoCoca.&lt;host&gt;), so that a grain library need not reference this hosting library; the wiring picks
/// them all up by the prefix.
/// </summary>
public static class PlatformTelemetry
{
    /// <summary>Every ActivitySource and Meter of the platform's own code starts with this.</summary>
    public const string Prefix = "VideoCoca.";

    /// <summary>MassTransit's ActivitySource and Meter: send, publish, receive and consume, with the trace context in the message headers.</summary>
    public const string MassTransit = "MassTransit";

    /// <summary>Orleans' grain-call sources (the calls themselves and the runtime's).</summary>
    public static readonly string[] Orleans = ["Microsoft.Orleans.Runtime", "Microsoft.Orleans.Application"];
}
