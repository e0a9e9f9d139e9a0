using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Runtime.InteropServices;

namespace VideoCoca.Contracts.Diagnostics;

/// <summary>
/// CPU time each host spends per stage of its work (the upload's checks, the ingest's rows, the worker's result writes...),
/// exported as the counter <c>vcp.stage.cpu</c> (seconds, tag <c>stage</c>; <c>vcp_stage_cpu_seconds_total</c> at
/// /metrics) for <c>vcp bench pipeline</c>'s per-stage account.
/// </summary>
/// <remarks>
/// A stage is entered for an async flow (<see cref="Enter"/>) and every thread that runs a piece of that flow is charged
/// the thread CPU time it spent on it: an <see cref="AsyncLocal{T}"/> is told each time a thread takes up or leaves the
/// flow's execution context, so continuations on other threads count and the time a flow waits (on PostgreSQL, the
/// broker, a child process) does not. Stages are exclusive: a stage entered inside another takes its share away from
/// it. Work a flow hands to threads that do not carry its context (torch's own threads, the GC) is not seen; see
/// <see cref="Add"/> for charging such work by hand. Linux only (<c>CLOCK_THREAD_CPUTIME_ID</c>); elsewhere nothing is counted.
/// </remarks>
public static class StageCpu
{
    /// <summary>The meter the counter belongs to (picked up by the hosts' <c>VideoCoca.*</c> wiring).</summary>
    public const string MeterName = "VideoCoca.Stages";

    /// <summary>The counter's name.</summary>
    public const string CounterName = "vcp.stage.cpu";

    private const int ClockThreadCpuTime = 3;

    private static readonly bool Supported = OperatingSystem.IsLinux();

    private static readonly ConcurrentDictionary<string, StageTotal> Totals = new(StringComparer.Ordinal);

    private static readonly AsyncLocal<string?> Current = new(OnFlowChanged);

    private static readonly Meter Meter = new(MeterName);

    /// <summary>Thread CPU time (ns) when the current stage took this thread up.</summary>
    [ThreadStatic]
    private static long _takenUpAt;

    static StageCpu()
    {
        Meter.CreateObservableCounter(CounterName, Observe, unit: "s", description: "CPU time spent per stage of the host's work");
    }

    /// <summary>The stage the current flow is in, if any.</summary>
    public static string? CurrentStage => Current.Value;

    /// <summary>Charges the current flow's CPU time to <paramref name="stage"/> until the scope is disposed (then to the stage it was in before).</summary>
    public static Scope Enter(string stage)
    {
        var previous = Current.Value;
        if (Supported) Current.Value = stage;
        return new Scope(previous);
    }

    /// <summary>Charges <paramref name="cpu"/> to <paramref name="stage"/> directly (work of threads the flow's context does not reach).</summary>
    public static void Add(string stage, TimeSpan cpu)
    {
        if (cpu > TimeSpan.Zero) Totals.GetOrAdd(stage, _ => new StageTotal()).Add(cpu.Ticks * 100);
    }

    /// <summary>This thread's CPU time so far (zero where it cannot be read).</summary>
    public static TimeSpan ThreadCpuTime() => TimeSpan.FromTicks(ThreadCpuNanoseconds() / 100);

    /// <summary>Seconds charged to each stage so far.</summary>
    public static IReadOnlyDictionary<string, double> Snapshot() =>
        Totals.ToDictionary(t => t.Key, t => t.Value.Seconds, StringComparer.Ordinal);

    private static IEnumerable<Measurement<double>> Observe() =>
        Totals.Select(t => new Measurement<double>(t.Value.Seconds, new KeyValuePair<string, object?>("stage", t.Key)));

    private static void OnFlowChanged(AsyncLocalValueChangedArgs<string?> change)
    {
        if (ReferenceEquals(change.PreviousValue, change.CurrentValue)) return;
        var now = ThreadCpuNanoseconds();
        if (change.PreviousValue is { } left)
        {
            Totals.GetOrAdd(left, _ => new StageTotal()).Add(now - _takenUpAt);
        }
        _takenUpAt = now;
    }

    private static long ThreadCpuNanoseconds()
    {
        if (!Supported) return 0;
        return clock_gettime(ClockThreadCpuTime, out var time) == 0 ? time.Seconds * 1_000_000_000 + time.Nanoseconds : 0;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

#pragma warning disable SYSLIB1054 // LibraryImport would need unsafe code in this project for one blittable call.
    [DllImport("libc", SetLastError = false)]
    private static extern int clock_gettime(int clockId, out TimeSpec time);
#pragma warning restore SYSLIB1054

    private sealed class StageTotal
    {
        private long _nanoseconds;

        public double Seconds => Interlocked.Read(ref _nanoseconds) / 1e9;

        public void Add(long nanoseconds)
        {
            if (nanoseconds > 0) Interlocked.Add(ref _nanoseconds, nanoseconds);
        }
    }

    /// <summary>Puts the flow back in the stage it was in before <see cref="Enter"/>.</summary>
    public readonly struct Scope : IDisposable
    {
        private readonly string? _previous;

        internal Scope(string? previous) => _previous = previous;

        /// <inheritdoc />
        public void Dispose()
        {
            if (Supported) Current.Value = _previous;
        }
    }
}
