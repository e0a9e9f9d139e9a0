using System.Globalization;

namespace VideoCoca.Cli.Benchmarks;

/// <summary>
/// The platform's CPU by process and stage: each host's own account of its stages (the <c>vcp.stage.cpu</c> counter at
/// its /metrics: the gateway's address, the silo's and the worker's operations ports), its children's CPU (ffmpeg,
/// ffprobe) and the rest of its own CPU (runtime, GC, JIT, messaging and HTTP plumbing no stage covers), from /proc.
/// </summary>
public static class PlatformStages
{
    /// <summary>The row of a host's CPU no stage accounts for.</summary>
    public const string Rest = "rest (runtime, GC, JIT, plumbing)";

    /// <summary>The row of a host's children.</summary>
    public const string Children = "child processes (ffmpeg, ffprobe, helpers)";

    private static readonly string[] Hosts = ["gateway", "silo", "worker"];

    /// <summary>A host's stages and its process's own and children's CPU seconds, at one moment.</summary>
    /// <param name="JitMethods">Methods each host's JIT has compiled since it started (<c>dotnet.jit.compiled_methods</c>), by host.</param>
    public sealed record Sample(
        IReadOnlyDictionary<string, double> Stages, IReadOnlyDictionary<string, (double Own, double Children)> Processes, IReadOnlyDictionary<string, double> JitMethods);

    public static async Task<Sample> TakeAsync(Uri gateway, string repositoryRoot, CancellationToken cancellationToken)
    {
        var stages = new Dictionary<string, double>(StringComparer.Ordinal);
        var jit = new Dictionary<string, double>(StringComparer.Ordinal);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        foreach (var (host, address) in Hosts.Zip(MetricsAddresses(gateway)))
        {
            try
            {
                var page = await http.GetStringAsync(address, cancellationToken);
                foreach (var (stage, seconds) in Parse(page))
                {
                    stages[stage] = seconds;
                }
                if (Gauge(page, "dotnet_jit_compiled_methods_total") is { } methods) jit[host] = methods;
            }
            catch (HttpRequestException)
            {
                // A host without an operations port (or a remote gateway) simply has no stages.
            }
        }
        return new Sample(stages, PlatformCpu.HostProcesses(repositoryRoot), jit);
    }

    /// <summary>
    /// Methods each host's JIT compiled from <paramref name="before"/> to <paramref name="after"/>: a host that still
    /// compiles hundreds a round is warming up (tiered compilation moving its code up a tier), and its "rest" is partly that.
    /// </summary>
    public static IReadOnlyDictionary<string, double> JitDifference(Sample before, Sample after) =>
        after.JitMethods.Where(m => before.JitMethods.ContainsKey(m.Key))
            .ToDictionary(m => m.Key, m => m.Value - before.JitMethods[m.Key], StringComparer.Ordinal);

    /// <summary>Seconds per (process, stage) from <paramref name="before"/> to <paramref name="after"/>, a host's rest and children included.</summary>
    public static IReadOnlyList<(string Process, string Stage, double Seconds)> Difference(Sample before, Sample after)
    {
        var rows = new List<(string, string, double)>();
        foreach (var host in Hosts)
        {
            var stages = after.Stages.Where(s => s.Key.StartsWith(host + ".", StringComparison.Ordinal))
                .Select(s => (Stage: s.Key[(host.Length + 1)..], Seconds: s.Value - before.Stages.GetValueOrDefault(s.Key)))
                .Where(s => s.Seconds > 0)
                .OrderByDescending(s => s.Seconds)
                .ToList();
            rows.AddRange(stages.Select(s => (host, s.Stage, s.Seconds)));
            if (after.Processes.TryGetValue(host, out var end) && before.Processes.TryGetValue(host, out var start))
            {
                rows.Add((host, Rest, end.Own - start.Own - stages.Sum(s => s.Seconds)));
                if (end.Children - start.Children > 0) rows.Add((host, Children, end.Children - start.Children));
            }
        }
        return rows;
    }

    /// <summary>
    /// The worker's own account of its start (<c>vcp_worker_startup_seconds</c>: process start to model loaded and version
    /// registered), its process's peak resident memory (<c>vcp_process_memory_peak_bytes</c>) and what it held after its
    /// latest batch (<c>vcp_worker_memory_after_batch_bytes</c>), from its /metrics; null where the worker does not
    /// answer or has not said.
    /// </summary>
    public static async Task<(double? StartupSeconds, double? PeakBytes, double? AfterBatchBytes)> WorkerAsync(CancellationToken cancellationToken)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        try
        {
            var page = await http.GetStringAsync(WorkerMetrics, cancellationToken);
            return (Gauge(page, "vcp_worker_startup_seconds"), Gauge(page, "vcp_process_memory_peak_bytes"), Gauge(page, "vcp_worker_memory_after_batch_bytes"));
        }
        catch (HttpRequestException)
        {
            return (null, null, null);
        }
    }

    /// <summary>The value of a gauge's first sample in a Prometheus text page.</summary>
    private static double? Gauge(string page, string name)
    {
        foreach (var line in page.Split('\n'))
        {
            if (!line.StartsWith(name, StringComparison.Ordinal) || line.Length == name.Length || line[name.Length] is not ('{' or ' ')) continue;
            if (SampleValue(line) is { } value) return value;
        }
        return null;
    }

    private static IEnumerable<Uri> MetricsAddresses(Uri gateway)
    {
        yield return new Uri(gateway, "/metrics");
        yield return new Uri($"http://127.0.0.1:{Environment.GetEnvironmentVariable("VCP_SILO_OPERATIONS_PORT") ?? "5081"}/metrics");
        yield return WorkerMetrics;
    }

    private static Uri WorkerMetrics => new($"http://127.0.0.1:{Environment.GetEnvironmentVariable("VCP_WORKER_OPERATIONS_PORT") ?? "5082"}/metrics");

    /// <summary>The value of a Prometheus sample line: the first field after its labels (or its name).</summary>
    private static double? SampleValue(string line)
    {
        var close = line.LastIndexOf('}');
        var value = (close < 0 ? line[(line.IndexOf(' ') + 1)..] : line[(close + 1)..]).Trim().Split(' ')[0];
        return double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) ? parsed : null;
    }

    /// <summary>The <c>vcp_stage_cpu_seconds_total{stage="..."} value</c> lines of a Prometheus text page.</summary>
    private static IEnumerable<(string Stage, double Seconds)> Parse(string page)
    {
        const string label = "stage=\"";
        foreach (var line in page.Split('\n'))
        {
            if (!line.StartsWith("vcp_stage_cpu", StringComparison.Ordinal)) continue;
            var start = line.IndexOf(label, StringComparison.Ordinal);
            var end = start < 0 ? -1 : line.IndexOf('"', start + label.Length);
            if (end < 0 || line.LastIndexOf('}') < 0) continue;
            if (SampleValue(line) is { } seconds)
            {
                yield return (line[(start + label.Length)..end], seconds);
            }
        }
    }
}
