using System.Globalization;

namespace VideoCoca.Contracts.Diagnostics;

/// <summary>This process's resident memory, from /proc/self/status (Linux): what the hosts report at /metrics and the benches print.</summary>
public static class ProcessMemory
{
    /// <summary>Resident memory now in MB (VmRSS), 0 where it cannot be read.</summary>
    public static double RssMb() => (StatusKb("VmRSS:") ?? 0) / 1024.0;

    /// <summary>Resident memory now in bytes (VmRSS), or null where it cannot be read.</summary>
    public static long? ResidentBytes() => StatusKb("VmRSS:") * 1024;

    /// <summary>The most resident memory the process has had, in MB (VmHWM), 0 where it cannot be read.</summary>
    public static double PeakRssMb() => (StatusKb("VmHWM:") ?? 0) / 1024.0;

    /// <summary>The most resident memory the process has had, in bytes (VmHWM), or null where it cannot be read.</summary>
    public static long? PeakResidentBytes() => StatusKb("VmHWM:") * 1024;

    private static long? StatusKb(string field)
    {
        const string path = "/proc/self/status";
        try
        {
            if (!File.Exists(path)) return null;
            var line = File.ReadLines(path).FirstOrDefault(l => l.StartsWith(field, StringComparison.Ordinal));
            var number = line?[field.Length..].Trim().Split(' ')[0];
            return long.TryParse(number, NumberStyles.None, CultureInfo.InvariantCulture, out var kb) ? kb : null;
        }
        catch (IOException)
        {
            return null;
        }
    }
}
