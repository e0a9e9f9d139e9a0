using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Options;
using VideoCoca.Gateway.Hosting;
using VideoCoca.Ingest.Libav;

namespace VideoCoca.Gateway.Uploads;

/// <summary>
/// Long-lived helper processes (this executable with <see cref="ProbeHelperServer.Argument"/>) that probe uploads
/// through libavformat: the gateway's own CPU for an upload's probe falls from an ffprobe start (about a tenth of a
/// second of loading shared libraries) to the reading itself. A helper, not the gateway, runs libav on untrusted files, so
/// a demuxer crash costs one helper, not the server. Up to <see cref="GatewayOptions.ProbeHelpers"/> at once, started when
/// first needed. <see cref="ProbeAsync"/> returns null whenever the helpers cannot answer (none configured, libraries
/// missing, a helper died): the caller then runs ffprobe, so a helper's failure never refuses an upload.
/// </summary>
public sealed class ProbeHelpers(IOptions<GatewayOptions> options, ILogger<ProbeHelpers> logger) : IDisposable
{
    private readonly SemaphoreSlim _slots = new(Math.Max(1, options.Value.ProbeHelpers));
    private readonly ConcurrentBag<Helper> _idle = [];
    private readonly int _limit = options.Value.ProbeHelpers;
    private volatile string? _unavailable;
    private bool _disposed;
    private int _answered;

    /// <summary>Probes the helpers have answered since the gateway started.</summary>
    public int Answered => Volatile.Read(ref _answered);

    /// <summary>The helpers waiting for work (their process ids), for whoever must see or stop them.</summary>
    public IReadOnlyList<int> IdleProcessIds => _idle.Select(helper => helper.ProcessId).ToList();

    /// <summary>The report of <paramref name="path"/>; null when no helper could give one. Cancelling kills the helper at work.</summary>
    public async Task<ContainerReport?> ProbeAsync(string path, CancellationToken cancellationToken)
    {
        if (_limit == 0 || _unavailable is not null) return null;
        await _slots.WaitAsync(cancellationToken);
        Helper? helper = null;
        try
        {
            if (!_idle.TryTake(out helper))
            {
                helper = Helper.Start();
                logger.LogInformation("Probe helper {ProcessId} started", helper.ProcessId);
                var hello = JsonSerializer.Deserialize<ProbeHelperHello>(await helper.ReadLineAsync(cancellationToken));
                if (hello is not { Available: true })
                {
                    _unavailable = hello?.Reason ?? "the helper said nothing";
                    logger.LogWarning("Uploads are probed with ffprobe: the probe helper cannot read them in-process ({Reason})", _unavailable);
                    return null;
                }
            }
            var reply = await helper.AskAsync(path, cancellationToken);
            if (reply.Report is null)
            {
                logger.LogWarning("The probe helper could not probe {Path} ({Error}); ffprobe will", path, reply.Error);
                return null;
            }
            _idle.Add(helper);
            helper = null;
            Interlocked.Increment(ref _answered);
            return reply.Report;
        }
        catch (Exception e) when (e is IOException or JsonException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            // A helper that died (or never started) on this file: ffprobe gets its turn, and the next upload a new helper.
            logger.LogWarning(e, "The probe helper failed on {Path}; ffprobe will probe it", path);
            return null;
        }
        finally
        {
            helper?.Dispose();
            _slots.Release();
        }
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        while (_idle.TryTake(out var helper)) helper.Dispose();
        _slots.Dispose();
    }

    private sealed class Helper(Process process) : IDisposable
    {
        public static Helper Start()
        {
            var host = Environment.ProcessPath ?? throw new InvalidOperationException("this process's executable is unknown");
            var start = new ProcessStartInfo(host)
            {
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                UseShellExecute = false,
            };
            // Run as `dotnet vcp-gateway.dll`, the host needs the assembly; run as the apphost, it is the assembly.
            if (Path.GetFileNameWithoutExtension(host) == "dotnet") start.ArgumentList.Add(typeof(Helper).Assembly.Location);
            start.ArgumentList.Add(ProbeHelperServer.Argument);
            // One request at a time: the server GC's heap a core would be memory for nothing.
            start.Environment["DOTNET_gcServer"] = "0";
            var process = Process.Start(start) ?? throw new InvalidOperationException("the probe helper could not be started");
            return new Helper(process);
        }

        public int ProcessId => process.Id;

        public async Task<string> ReadLineAsync(CancellationToken cancellationToken) =>
            await process.StandardOutput.ReadLineAsync(cancellationToken) ?? throw new IOException($"the probe helper ended (exit code {ExitCode()})");

        public async Task<ProbeHelperReply> AskAsync(string path, CancellationToken cancellationToken)
        {
            // A demuxer stuck on a file is not woken by a cancelled read: the helper goes, and the read ends with it.
            await using var stop = cancellationToken.Register(Dispose);
            await process.StandardInput.WriteLineAsync(JsonSerializer.Serialize(path).AsMemory(), cancellationToken);
            await process.StandardInput.FlushAsync(cancellationToken);
            return JsonSerializer.Deserialize<ProbeHelperReply>(await ReadLineAsync(cancellationToken)) ?? throw new JsonException("an empty reply");
        }

        private string ExitCode() => process.WaitForExit(1000) ? process.ExitCode.ToString(System.Globalization.CultureInfo.InvariantCulture) : "none yet";

        public void Dispose()
        {
            try
            {
                if (!process.HasExited) process.Kill();
            }
            catch (InvalidOperationException)
            {
                // It ended already.
            }
            process.Dispose();
        }
    }
}
