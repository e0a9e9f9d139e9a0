namespace VideoCoca.ServiceDefaults.Telemetry;

/// <summary>The <c>Telemetry</c> configuration section: how a host names itself in traces and metrics, where it exports them, how it logs.</summary>
public sealed class TelemetryOptions
{
    public const string SectionName = "Telemetry";

    /// <summary>The <c>service.name</c> of the host's spans and metrics; empty for the host's own (vcp-gateway, vcp-silo, vcp-worker).</summary>
    public string ServiceName { get; set; } = "";

    /// <summary>
    /// An OTLP collector's base URL (http://collector:4318 for http/protobuf, http://collector:4317 for grpc); empty
    /// (the default) exports nothing: traces still carry their context across the hosts and /metrics still answers.
    /// </summary>
    public string OtlpEndpoint { get; set; } = "";

    /// <summary>http/protobuf (the default; /v1/traces and /v1/metrics are appended to the endpoint) or grpc.</summary>
    public string OtlpProtocol { get; set; } = HttpProtobuf;

    /// <summary>
    /// Record every span's data even with no <see cref="OtlpEndpoint"/> to send it to (false, the default: spans are then
    /// created for their context only, which still crosses the hosts and stamps the logs, and nothing is spent filling
    /// in tags no one reads). For an in-process listener, or to compare the two in a bench.
    /// </summary>
    public bool RecordUnexportedSpans { get; set; }

    /// <summary>Log as one JSON object a line (with the trace and span ids of the line's request) instead of plain text.</summary>
    public bool JsonLogs { get; set; }

    public const string HttpProtobuf = "http/protobuf";

    public const string Grpc = "grpc";

    /// <summary>Checks the values; a host refuses to start on a bad one.</summary>
    public IEnumerable<string> Validate()
    {
        if (OtlpProtocol is not (HttpProtobuf or Grpc)) yield return $"Telemetry:OtlpProtocol must be {HttpProtobuf} or {Grpc}";
        if (!string.IsNullOrWhiteSpace(OtlpEndpoint)
            && !(Uri.TryCreate(OtlpEndpoint.Trim(), UriKind.Absolute, out var endpoint) && endpoint.Scheme is "http" or "https"))
        {
            yield return "Telemetry:OtlpEndpoint must be an http:// or https:// URL (http://collector:4318)";
        }
    }
}
