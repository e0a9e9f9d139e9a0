using System.Diagnostics.Metrics;
using VideoCoca.Contracts.Diagnostics;

namespace VideoCoca.ServiceDefaults.Telemetry;

/// <summary>
/// The most resident memory the host's process has had (Linux's VmHWM), as <c>vcp.process.memory.peak</c>: the figure an
/// operator sizes a machine by (a worker's peak comes while it loads its model and runs its first batches), which the
/// runtime's own metrics, all of the current moment, do not give. Nothing is reported where /proc is missing.
/// </summary>
public static class ProcessMemoryTelemetry
{
    private static readonly Meter Meter = new(PlatformTelemetry.Prefix + "Process");

    static ProcessMemoryTelemetry()
    {
        Meter.CreateObservableGauge("vcp.process.memory.peak", ObservePeak, unit: "By",
            description: "The most resident memory this process has had since it started (VmHWM)");
    }

    /// <summary>Creates the gauge (a static class's instruments exist only once it is touched).</summary>
    public static void Register()
    {
    }

    private static IEnumerable<Measurement<long>> ObservePeak() =>
        ProcessMemory.PeakResidentBytes() is { } bytes ? [new Measurement<long>(bytes)] : [];
}
