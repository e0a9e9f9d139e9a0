using System.Diagnostics.Metrics;

namespace VideoCoca.Gateway.Uploads;

/// <summary>The gateway's meter: uploads by outcome (vcp_uploads_total in Prometheus).</summary>
public static class UploadMetrics
{
    public const string MeterName = "VideoCoca.Gateway";

    /// <summary>The span attribute that names an upload's video.</summary>
    public const string VideoIdTag = "vcp.video_id";

    private static readonly Meter Meter = new(MeterName);

    private static readonly Counter<long> Uploads = Meter.CreateCounter<long>(
        "vcp.uploads", unit: "{upload}", description: "Uploads answered, by outcome (accepted, refused) and HTTP status");

    private static readonly Counter<long> Probes = Meter.CreateCounter<long>(
        "vcp.upload.probes", unit: "{probe}", description: "Uploads probed, by what read them (helper: a probe helper process; ffprobe: an ffprobe run)");

    /// <summary>Counts one upload's probe by what read it.</summary>
    public static void CountProbe(bool byHelper) => Probes.Add(1, new KeyValuePair<string, object?>("by", byHelper ? "helper" : "ffprobe"));

    /// <summary>Counts one upload by what it was answered.</summary>
    public static void Count(IResult result)
    {
        var status = result is IStatusCodeHttpResult { StatusCode: { } code } ? code : StatusCodes.Status200OK;
        Uploads.Add(1,
            new KeyValuePair<string, object?>("outcome", status == StatusCodes.Status202Accepted ? "accepted" : "refused"),
            new KeyValuePair<string, object?>("http.response.status_code", status));
    }
}

/// <summary>The upload's stages in the gateway's CPU account (<see cref="VideoCoca.Contracts.Diagnostics.StageCpu"/>); the rest of a request is its endpoint's.</summary>
public static class UploadStages
{
    /// <summary>The probe as far as this process goes (asking a probe helper or starting ffprobe, reading the answer); the helper's and ffprobe's own CPU is the gateway's children's.</summary>
    public const string Probe = "gateway.upload probe (in-process)";

    /// <summary>The video's row and the grain call that starts its ingest.</summary>
    public const string Record = "gateway.upload record (row, grain call)";
}
