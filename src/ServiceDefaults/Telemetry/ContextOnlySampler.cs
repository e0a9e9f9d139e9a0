using OpenTelemetry.Trace;

namespace VideoCoca.ServiceDefaults.Telemetry;

/// <summary>
/// Records no span but lets every one exist for its context: the SDK turns a dropped decision into propagation data
/// (the trace and span ids, carried on to the next host and into the logs), while instrumentation skips the tags and
/// events it would fill in for a recorded span. Unlike <see cref="AlwaysOffSampler"/>, which the SDK short-circuits so
/// that a root span (the upload's request) is not created at all and no context would cross the hosts.
/// </summary>
public sealed class ContextOnlySampler : Sampler
{
    public override SamplingResult ShouldSample(in SamplingParameters samplingParameters) => new(SamplingDecision.Drop);
}
