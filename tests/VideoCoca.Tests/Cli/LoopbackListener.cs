using System.Net;
using System.Net.Sockets;

namespace VideoCoca.Tests.Cli;

/// <summary>An <see cref="HttpListener"/> started on a free loopback port, for stand-in gateways.</summary>
internal static class LoopbackListener
{
    /// <summary>
    /// The port is one the system just gave out and took back, so another test running beside this one (or a process it
    /// started) can take it before the listener binds: then a new port is tried, a few times.
    /// </summary>
    public static (HttpListener Listener, string Address) Start()
    {
        for (var attempt = 1; ; attempt++)
        {
            var probe = new TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            var address = $"http://127.0.0.1:{((IPEndPoint)probe.LocalEndpoint).Port}";
            probe.Stop();
            var listener = new HttpListener();
            listener.Prefixes.Add(address + "/");
            try
            {
                listener.Start();
                return (listener, address);
            }
            catch (HttpListenerException) when (attempt < 5)
            {
                listener.Close();
            }
        }
    }
}
