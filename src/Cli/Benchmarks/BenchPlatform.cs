using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Npgsql;
using VideoCoca.Cli.Console;

namespace VideoCoca.Cli.Benchmarks;

/// <summary>
/// The platform's hosts started by a bench for itself on the local stack: the build of <c>scripts/platform.sh build</c>,
/// a database and a RabbitMQ virtual host of the run's own (made by <c>scripts/stack.sh</c> and the migrator, as the
/// platform tests make theirs), an Orleans cluster id of its own, loopback ports that were free and a blob folder under
/// the bench's work folder. The demo's platform (<c>./vcp up</c>) and its data are never touched; all of it is removed
/// when the bench ends, whether it succeeded or not.
/// </summary>
public sealed class BenchPlatform : IAsyncDisposable
{
    private static readonly TimeSpan StopPatience = TimeSpan.FromSeconds(10);

    private readonly string _repositoryRoot;
    private readonly string _buildFolder;
    private readonly NpgsqlConnectionStringBuilder _postgres;
    private readonly string _rabbitMq;
    private readonly string _virtualHost;
    private readonly List<(string Name, Process Process)> _hosts = [];
    private readonly List<StreamWriter> _logs = [];
    private bool _databaseMade;
    private bool _virtualHostMade;

    private BenchPlatform(string repositoryRoot, string folder, string buildFolder, string postgres, string rabbitMq, string run)
    {
        _repositoryRoot = repositoryRoot;
        Folder = folder;
        _buildFolder = buildFolder;
        _postgres = new NpgsqlConnectionStringBuilder(postgres) { Database = $"vcp_bench_{run}" };
        _virtualHost = $"vcp-bench-{run}";
        _rabbitMq = $"{rabbitMq.TrimEnd('/')}/{_virtualHost}";
        ClusterId = $"bench-{run}";
    }

    /// <summary>The run's folder: blobs and the hosts' logs.</summary>
    public string Folder { get; }

    public string LogFolder => Path.Combine(Folder, "logs");

    public string ClusterId { get; }

    /// <summary>The run's own database.</summary>
    public string ConnectionString => _postgres.ConnectionString;

    /// <summary>Starts the stack when it is not running, builds the hosts, and makes the run's database and virtual host.</summary>
    public static async Task<BenchPlatform> CreateAsync(string repositoryRoot, string folder, CancellationToken cancellationToken)
    {
        var stack = Path.Combine(repositoryRoot, "scripts", "stack.sh");
        await RunScriptAsync(stack, ["start"], cancellationToken);
        var settings = (await RunScriptAsync(stack, ["env"], cancellationToken))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split('=', 2))
            .Where(pair => pair.Length == 2)
            .ToDictionary(pair => pair[0], pair => pair[1].Trim('\''));
        var build = (await RunScriptAsync(Path.Combine(repositoryRoot, "scripts", "platform.sh"), ["build"], cancellationToken)).Trim().Split('\n')[^1];
        var run = Guid.NewGuid().ToString("N")[..10];
        var platform = new BenchPlatform(repositoryRoot, folder, build, settings["VCP_POSTGRES"], settings["VCP_RABBITMQ"], run);
        try
        {
            await platform.PrepareAsync(stack, cancellationToken);
        }
        catch
        {
            await platform.DisposeAsync();
            throw;
        }
        return platform;
    }

    private async Task PrepareAsync(string stack, CancellationToken cancellationToken)
    {
        var admin = new NpgsqlConnectionStringBuilder(_postgres.ConnectionString) { Database = "postgres", Pooling = false };
        await using (var connection = new NpgsqlConnection(admin.ConnectionString))
        {
            await connection.OpenAsync(cancellationToken);
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{_postgres.Database}\"", connection);
            await create.ExecuteNonQueryAsync(cancellationToken);
            _databaseMade = true;
        }
        await RunScriptAsync(stack, ["add-vhost", _virtualHost], cancellationToken);
        _virtualHostMade = true;
        Directory.CreateDirectory(LogFolder);
        using var migrator = Start("migrator", []);
        await migrator.WaitForExitAsync(cancellationToken);
        if (migrator.ExitCode != 0) throw Failure($"the migrator exited with {migrator.ExitCode}", "migrator");
        _hosts.RemoveAll(h => h.Name == "migrator");
    }

    /// <summary>An admin key of the default tenant in the run's own database, for the bench's calls to its gateway.</summary>
    public async Task<string> CreateAdminKeyAsync(CancellationToken cancellationToken)
    {
        await using var db = new Persistence.ResultsDbContext(Persistence.Hosting.ResultsDbContextOptions.Create(ConnectionString));
        var created = await Persistence.Access.ApiKeyStore.CreateAsync(db, Persistence.Entities.Tenant.DefaultName, Persistence.Access.ApiKeyRoles.Admin,
            "bench", createTenant: true, DateTimeOffset.UtcNow, Platform.LocalApiKey.RequestsPerMinute, cancellationToken);
        return created.Key;
    }

    /// <summary>A silo; <paramref name="settings"/> go over the defaults (e.g. Campaigns__TickPeriod).</summary>
    public void StartSilo(IReadOnlyDictionary<string, string> settings) => Start("silo", new Dictionary<string, string>(settings)
    {
        ["Orleans__ClusterId"] = ClusterId,
        ["Orleans__ServiceId"] = ClusterId,
        ["Orleans__SiloPort"] = FreePort(),
        ["Orleans__GatewayPort"] = FreePort(),
        ["Ingest__BlobRoot"] = Path.Combine(Folder, "blobs"),
    });

    /// <summary>A worker of one model version, under the name <paramref name="version"/>.</summary>
    public void StartWorker(string version, string modelPath, IReadOnlyDictionary<string, string> settings) => Start($"worker-{version}",
        new Dictionary<string, string>(settings) { ["Worker__ModelPath"] = modelPath, ["Worker__ModelVersion"] = version });

    /// <summary>The gateway on a free port: its address.</summary>
    public Uri StartGateway()
    {
        var address = new Uri($"http://127.0.0.1:{FreePort()}");
        Start("gateway", new Dictionary<string, string>
        {
            ["Gateway__Url"] = address.ToString().TrimEnd('/'),
            ["Gateway__BlobRoot"] = Path.Combine(Folder, "blobs"),
            ["Orleans__ClusterId"] = ClusterId,
            ["Orleans__ServiceId"] = ClusterId,
            ["Logging__LogLevel__Microsoft.AspNetCore"] = "Warning",
            ["Logging__LogLevel__Orleans"] = "Warning",
        });
        return address;
    }

    /// <summary>Stops a host this bench started (SIGTERM, then SIGKILL after a while).</summary>
    public async Task StopAsync(string name)
    {
        foreach (var (_, process) in _hosts.Where(h => h.Name == name).ToList())
        {
            await StopProcessAsync(process);
        }
        _hosts.RemoveAll(h => h.Name == name);
    }

    /// <summary>Throws with the host's log when one of the hosts has exited.</summary>
    public void ThrowIfAnyExited()
    {
        foreach (var (name, process) in _hosts.Where(h => h.Process.HasExited))
        {
            throw Failure($"{name} exited with {process.ExitCode}", name);
        }
    }

    /// <summary>An error that carries the last lines of a host's log.</summary>
    public UserInputException Failure(string message, string host)
    {
        var log = Path.Combine(LogFolder, $"{host}.log");
        var tail = File.Exists(log) ? string.Join("\n  ", File.ReadLines(log).TakeLast(15)) : "(no log)";
        return new UserInputException($"{message}; the last lines of its log:\n  {tail}");
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var (_, process) in Enumerable.Reverse(_hosts))
        {
            await StopProcessAsync(process);
        }
        _hosts.Clear();
        foreach (var log in _logs)
        {
            lock (log) log.Dispose();
        }
        // Clean-up never hides what the bench measured: a step that fails is reported and left for the operator.
        if (_databaseMade)
        {
            NpgsqlConnection.ClearAllPools();
            await CleanUpAsync($"drop the database {_postgres.Database}", DropDatabaseAsync);
        }
        if (_virtualHostMade)
        {
            await CleanUpAsync($"delete the virtual host {_virtualHost}", () =>
                RunScriptAsync(Path.Combine(_repositoryRoot, "scripts", "stack.sh"), ["delete-vhost", _virtualHost], CancellationToken.None));
        }
    }

    /// <summary>
    /// DROP DATABASE ... WITH (FORCE) ends the sessions left on it, but not a backend of another role: once it failed with
    /// "must be a member of the role whose process is being terminated" right after the hosts stopped, and the same drop
    /// succeeded a minute later with nothing left on the database (a backend of the cluster's own, most likely
    /// autovacuum). Such a backend ends by itself, so the drop is tried again for a while.
    /// </summary>
    private async Task DropDatabaseAsync()
    {
        var admin = new NpgsqlConnectionStringBuilder(_postgres.ConnectionString) { Database = "postgres", Pooling = false };
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var connection = new NpgsqlConnection(admin.ConnectionString);
                await connection.OpenAsync();
                await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{_postgres.Database}\" WITH (FORCE)", connection);
                await drop.ExecuteNonQueryAsync();
                return;
            }
            catch (PostgresException) when (attempt < 10)
            {
                await Task.Delay(TimeSpan.FromSeconds(1));
            }
        }
    }

    private static async Task CleanUpAsync(string what, Func<Task> step)
    {
        try
        {
            await step();
        }
        catch (Exception e) when (e is PostgresException or NpgsqlException or UserInputException or IOException)
        {
            System.Console.Error.WriteLine($"warning: could not {what}: {e.Message}");
        }
    }

    /// <summary>Starts a host from the build with the run's database, broker and logging; its output goes to its log file.</summary>
    private Process Start(string name, Dictionary<string, string> settings)
    {
        var host = name.StartsWith("worker", StringComparison.Ordinal) ? "worker" : name;
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            // The hosts find the repository (models/, ffmpeg settings) from their working folder, as under platform.sh.
            WorkingDirectory = _repositoryRoot,
        };
        start.ArgumentList.Add(Path.Combine(_buildFolder, host, $"vcp-{host}.dll"));
        start.Environment["Postgres__ConnectionString"] = ConnectionString;
        start.Environment["RabbitMq__Url"] = _rabbitMq;
        start.Environment["Logging__LogLevel__Microsoft.EntityFrameworkCore"] = "Warning";
        start.Environment["Logging__Console__FormatterName"] = "simple";
        start.Environment["Logging__Console__FormatterOptions__SingleLine"] = "true";
        start.Environment["Logging__Console__FormatterOptions__TimestampFormat"] = "HH:mm:ss.fff ";
        foreach (var (key, value) in settings) start.Environment[key] = value;
        var process = Process.Start(start) ?? throw new UserInputException($"could not start {name}");
        var log = new StreamWriter(Path.Combine(LogFolder, $"{name}.log"), append: true) { AutoFlush = true };
        _logs.Add(log);
        void Write(string? line)
        {
            if (line is null) return;
            lock (log) log.WriteLine(line);
        }
        process.OutputDataReceived += (_, e) => Write(e.Data);
        process.ErrorDataReceived += (_, e) => Write(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _hosts.Add((name, process));
        return process;
    }

    private static async Task StopProcessAsync(Process process)
    {
        if (process.HasExited) return;
        // SIGTERM first: the hosts shut down cleanly (Orleans leaves the cluster, MassTransit closes its channels).
        using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }
        using var patience = new CancellationTokenSource(StopPatience);
        try
        {
            await process.WaitForExitAsync(patience.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }

    /// <summary>Runs a script of the repository; its standard output. Its standard error goes to ours (the build's lines).</summary>
    private static async Task<string> RunScriptAsync(string script, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(script);
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start) ?? throw new UserInputException($"could not run {script}");
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var errors = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0)
        {
            throw new UserInputException($"{Path.GetFileName(script)} {string.Join(' ', arguments)} exited with {process.ExitCode}:\n{await errors}");
        }
        return await output;
    }

    private static string FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port.ToString(CultureInfo.InvariantCulture);
    }
}
