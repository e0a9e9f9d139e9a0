using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace VideoCoca.Platform.Tests.Telemetry;

/// <summary>Reading a Prometheus scrape as an operator's dashboard would: a metric's samples by name.</summary>
public static class PlatformMetrics
{
    /// <summary>The sum of the samples of <paramref name="name"/> (every label set); null when the scrape has none.</summary>
    public static double? Sum(string scrape, string name)
    {
        double? sum = null;
        foreach (var line in scrape.Split('\n'))
        {
            if (line.StartsWith('#') || !line.StartsWith(name, StringComparison.Ordinal)) continue;
            var rest = line[name.Length..];
            if (!(rest.StartsWith('{') || rest.StartsWith(' '))) continue;
            var afterLabels = rest.StartsWith('{') ? rest[(rest.IndexOf('}', StringComparison.Ordinal) + 1)..] : rest;
            var value = afterLabels.Trim().Split(' ')[0];
            sum = (sum ?? 0) + double.Parse(value, NumberStyles.Float, CultureInfo.InvariantCulture);
        }
        return sum;
    }

    /// <summary>A loopback URL on a port free now.</summary>
    public static string FreeLoopbackUrl()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return $"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}";
    }
}
