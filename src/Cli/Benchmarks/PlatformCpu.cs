using System.Globalization;

namespace VideoCoca.Cli.Benchmarks;

/// <summary>
/// CPU seconds spent so far by the processes of the platform that <c>scripts/platform.sh</c> runs on this machine
/// (found by the pid files under <c>$VCP_HOME</c>), each with its child processes, those it has waited for (the silo's
/// ffmpeg runs) and those still running (the gateway's probe helpers, an ffmpeg at work), and by the whole machine. Linux only (<c>/proc</c>); empty elsewhere or when nothing is found.
/// </summary>
public static class PlatformCpu
{
    /// <summary>The name of the whole machine's figure.</summary>
    public const string Machine = "machine (every process)";

    /// <summary>USER_HZ: 100 on every Linux this runs on.</summary>
    private const double ClockTicks = 100;

    public static IReadOnlyDictionary<string, double> Sample(string repositoryRoot)
    {
        var result = new Dictionary<string, double>();
        if (!File.Exists("/proc/stat")) return result;
        var home = Environment.GetEnvironmentVariable("VCP_HOME") is { Length: > 0 } configured ? configured : Path.Combine(repositoryRoot, ".vcp");
        foreach (var host in new[] { "silo", "worker", "gateway" })
        {
            if (ReadPid(Path.Combine(home, "run", $"{host}.pid")) is { } pid && ProcessSeconds(pid, withChildren: true) is { } seconds)
            {
                result[$"{host}{(host == "silo" ? " (with its ffmpeg runs)" : "")}"] = seconds + LiveChildrenSeconds(pid);
            }
        }
        // PostgreSQL serves each connection from a child of the postmaster: the live ones count by themselves.
        if (ReadPid(Path.Combine(home, "postgres", "postmaster.pid")) is { } postmaster && ProcessSeconds(postmaster, withChildren: true) is { } own)
        {
            result["postgres"] = own + ChildrenOf(postmaster).Sum(child => ProcessSeconds(child, withChildren: true) ?? 0);
        }
        var node = Environment.GetEnvironmentVariable("VCP_RABBIT_NODENAME") is { Length: > 0 } name ? name : "vcp@localhost";
        if (ReadPid(Path.Combine(home, "rabbitmq", $"{node}.pid")) is { } rabbit && ProcessSeconds(rabbit, withChildren: true) is { } broker)
        {
            result["rabbitmq"] = broker;
        }
        if (result.Count > 0)
        {
            // user + nice + system + irq + softirq of the "cpu" line, in clock ticks.
            var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries);
            result[Machine] = new[] { 1, 2, 3, 6, 7 }.Sum(i => double.Parse(fields[i], CultureInfo.InvariantCulture)) / ClockTicks;
        }
        return result;
    }

    /// <summary>The own and the waited-for children's CPU seconds of each host process found (gateway, silo, worker).</summary>
    public static IReadOnlyDictionary<string, (double Own, double Children)> HostProcesses(string repositoryRoot)
    {
        var result = new Dictionary<string, (double, double)>();
        if (!File.Exists("/proc/stat")) return result;
        var home = Environment.GetEnvironmentVariable("VCP_HOME") is { Length: > 0 } configured ? configured : Path.Combine(repositoryRoot, ".vcp");
        foreach (var host in new[] { "silo", "worker", "gateway" })
        {
            if (ReadPid(Path.Combine(home, "run", $"{host}.pid")) is { } pid
                && ProcessSeconds(pid, withChildren: false) is { } own && ChildrenSeconds(pid) is { } children)
            {
                result[host] = (own, children);
            }
        }
        return result;
    }

    /// <summary>What each figure grew by from <paramref name="before"/> to <paramref name="after"/>.</summary>
    public static IReadOnlyDictionary<string, double> Difference(IReadOnlyDictionary<string, double> before, IReadOnlyDictionary<string, double> after) =>
        after.Where(a => before.ContainsKey(a.Key)).ToDictionary(a => a.Key, a => a.Value - before[a.Key]);

    private static int? ReadPid(string path)
    {
        try
        {
            return File.Exists(path) && int.TryParse(File.ReadLines(path).FirstOrDefault()?.Trim(), out var pid) ? pid : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>
    /// The CPU seconds of this process's child processes, those that have ended (ffprobe and ffmpeg runs) and those still
    /// running (split helpers), from /proc; 0 elsewhere.
    /// </summary>
    public static double ChildrenSeconds() => ChildrenSeconds(Environment.ProcessId) ?? 0;

    /// <summary>The CPU seconds of a live process's children: those it waited for (cutime + cstime) and those still running.</summary>
    private static double? ChildrenSeconds(int pid) =>
        ProcessSeconds(pid, withChildren: true) - ProcessSeconds(pid, withChildren: false) + LiveChildrenSeconds(pid);

    /// <summary>utime + stime (+ cutime + cstime) of a live process, in seconds.</summary>
    private static double? ProcessSeconds(int pid, bool withChildren)
    {
        var fields = StatFields(pid);
        if (fields is null) return null;
        // Fields after the command name: state is [0], utime [11], stime [12], cutime [13], cstime [14].
        var ticks = double.Parse(fields[11], CultureInfo.InvariantCulture) + double.Parse(fields[12], CultureInfo.InvariantCulture);
        if (withChildren) ticks += double.Parse(fields[13], CultureInfo.InvariantCulture) + double.Parse(fields[14], CultureInfo.InvariantCulture);
        return ticks / ClockTicks;
    }

    /// <summary>
    /// The CPU of a process's children that still run, with what they waited for: a long-lived child's CPU reaches its
    /// parent's figures only when it ends. A child that ends between two samples moves from here to its parent's own
    /// children's time, so the sum stays whole.
    /// </summary>
    private static double LiveChildrenSeconds(int parent) => ChildrenOf(parent).Sum(child => ProcessSeconds(child, withChildren: true) ?? 0);

    private static IEnumerable<int> ChildrenOf(int parent) =>
        Directory.EnumerateDirectories("/proc")
            .Select(Path.GetFileName)
            .Select(name => int.TryParse(name, out var pid) ? pid : 0)
            .Where(pid => pid > 0 && StatFields(pid) is { } fields && fields[1] == parent.ToString(CultureInfo.InvariantCulture));

    /// <summary>The fields of /proc/PID/stat after "(command)", which may itself hold spaces.</summary>
    private static string[]? StatFields(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
