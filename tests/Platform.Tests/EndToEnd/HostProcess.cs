using System.Collections.Concurrent;
using System.Diagnostics;
using VideoCoca.Platform.Tests.Infrastructure;

namespace VideoCoca.Platform.Tests.EndToEnd;

/// <summary>
/// One platform host running as its own process (<c>dotnet vcp-silo.dll</c> and so on), configured by environment
/// variables as a deployment configures it, its output going line by line to a log file.
/// </summary>
public sealed class HostProcess : IAsyncDisposable
{
    /// <summary>Settings a developer's shell may carry that would point a host elsewhere than the test says.</summary>
    private static readonly string[] InheritedSettings =
    [
        "ASPNETCORE_URLS", "DOTNET_URLS", "ASPNETCORE_HTTP_PORTS", "ASPNETCORE_HTTPS_PORTS", "ASPNETCORE_ENVIRONMENT", "DOTNET_ENVIRONMENT",
        "VCP_POSTGRES", "VCP_RABBITMQ", "VCP_BLOB_ROOT", "VCP_HOME",
    ];

    /// <summary>Hosts still running, ended when the test process exits however the tests went (a timed-out test never disposes).</summary>
    private static readonly ConcurrentDictionary<Process, bool> Running = new();

    static HostProcess()
    {
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            foreach (var process in Running.Keys)
            {
                try
                {
                    process.Kill(entireProcessTree: true);
                }
                catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception)
                {
                }
            }
        };
    }

    private readonly Process _process;
    private readonly StreamWriter _log;
    private readonly Lock _logGate = new();

    private HostProcess(string name, string logPath, Process process, StreamWriter log)
    {
        Name = name;
        LogPath = logPath;
        _process = process;
        _log = log;
    }

    /// <summary>What the test calls it ("silo-a"); also its log's name.</summary>
    public string Name { get; }

    public string LogPath { get; }

    public bool HasExited => _process.HasExited;

    /// <summary>Starts <paramref name="host"/> from its build output, in the repository root, with <paramref name="settings"/> as its environment on top of this one's.</summary>
    public static HostProcess Start(string name, string host, IReadOnlyDictionary<string, string> settings, string logFolder)
    {
        var start = new ProcessStartInfo(DotnetHost())
        {
            WorkingDirectory = RepositoryPaths.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(HostBuildOutputs.EntryAssembly(host));
        foreach (var inherited in InheritedSettings)
        {
            start.Environment.Remove(inherited);
        }
        foreach (var (key, value) in settings)
        {
            start.Environment[key] = value;
        }
        Directory.CreateDirectory(logFolder);
        var logPath = Path.Combine(logFolder, $"{name}.log");
        var log = new StreamWriter(new FileStream(logPath, FileMode.Append, FileAccess.Write, FileShare.ReadWrite)) { AutoFlush = true };
        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var running = new HostProcess(name, logPath, process, log);
        process.OutputDataReceived += (_, e) => running.Write(e.Data);
        process.ErrorDataReceived += (_, e) => running.Write(e.Data);
        process.Exited += (_, _) => running.Write($"--- [test] {name} exited ---");
        if (!process.Start())
        {
            throw new InvalidOperationException($"Could not start {host}.");
        }
        Running[process] = true;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        running.Write($"--- [test] {name}: pid {process.Id}, dotnet {start.ArgumentList[0]} ---");
        return running;
    }

    /// <summary>The dotnet that runs these tests (the test host runs under it), else the one on the PATH.</summary>
    private static string DotnetHost() =>
        Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet" ? Environment.ProcessPath! : "dotnet";

    /// <summary>The last lines the host wrote.</summary>
    public string Tail(int lines = 40)
    {
        try
        {
            using var stream = new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream);
            var all = reader.ReadToEnd().Split('\n');
            return string.Join('\n', all.TakeLast(lines));
        }
        catch (IOException e)
        {
            return $"(no log: {e.Message})";
        }
    }

    /// <summary>Whether the host's output has a line containing <paramref name="text"/>.</summary>
    public bool LogContains(string text)
    {
        using var stream = new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd().Contains(text, StringComparison.Ordinal);
    }

    /// <summary>SIGKILL to the host's own process, as a crash or the OOM killer would: no shutdown, nothing flushed, nothing acknowledged.</summary>
    public async Task CrashAsync()
    {
        Write($"--- [test] kill -9 {_process.Id} ---");
        // Process.Kill sends SIGKILL on Unix; children (ffmpeg) are left to fail on their broken pipes, as after a real crash.
        _process.Kill(entireProcessTree: false);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await _process.WaitForExitAsync(timeout.Token);
    }

    /// <summary>Kills the host and everything it started.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (Exception e) when (e is InvalidOperationException or OperationCanceledException or System.ComponentModel.Win32Exception)
        {
            Write($"--- [test] could not end {Name}: {e.Message} ---");
        }
        finally
        {
            Running.TryRemove(_process, out _);
            _process.Dispose();
            lock (_logGate)
            {
                _log.Dispose();
            }
        }
    }

    public override string ToString() => Name;

    private void Write(string? line)
    {
        if (line is null) return;
        lock (_logGate)
        {
            try
            {
                _log.WriteLine(line);
            }
            catch (ObjectDisposedException)
            {
                // Output after the test let go of the host.
            }
        }
    }
}
