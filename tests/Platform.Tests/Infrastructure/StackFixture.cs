using System.Diagnostics;
using Npgsql;
using VideoCoca.Migrator.Hosting;

namespace VideoCoca.Platform.Tests.Infrastructure;

/// <summary>
/// The real stack for a test run: <c>scripts/stack.sh start</c> (PostgreSQL and RabbitMQ on
/// loopback; a no-op when they already run), then a database of this run's own, created and
/// migrated by the migrator host exactly as deployments run it, and a RabbitMQ virtual host of
/// its own; both removed at the end.
/// </summary>
/// <remarks>
/// The virtual host keeps the run's messages from any other consumer on the node: a platform
/// started with <c>./vcp up</c>, or a host left over from an earlier run, would otherwise take
/// AnalyzeClip and ClipAnalyzed messages off the shared queues.
/// </remarks>
public sealed class StackFixture : IAsyncLifetime
{
    private const string AdminConnectionString = "Host=127.0.0.1;Port={0};Database=postgres;Username=vcp;Password={1};Pooling=false";

    private readonly string pgPort = Environment.GetEnvironmentVariable("VCP_PG_PORT") ?? "55432";
    private readonly string pgPassword = Environment.GetEnvironmentVariable("VCP_PG_PASSWORD") ?? "vcp";
    private readonly string rabbitPort = Environment.GetEnvironmentVariable("VCP_RABBIT_PORT") ?? "55672";
    private readonly string rabbitPassword = Environment.GetEnvironmentVariable("VCP_RABBIT_PASSWORD") ?? "vcp";

    /// <summary>This run's own database, fresh and migrated.</summary>
    public string DatabaseName { get; }

    /// <summary>This run's own RabbitMQ virtual host.</summary>
    public string VirtualHost { get; }

    public StackFixture()
    {
        var run = Guid.NewGuid().ToString("N")[..12];
        DatabaseName = $"vcp_test_{run}";
        VirtualHost = $"vcp-test-{run}";
    }

    /// <summary>Connection string of <see cref="DatabaseName"/>.</summary>
    public string ConnectionString =>
        $"Host=127.0.0.1;Port={pgPort};Database={DatabaseName};Username=vcp;Password={pgPassword}";

    /// <summary>The private RabbitMQ node, in <see cref="VirtualHost"/>.</summary>
    public string RabbitMqUrl => $"amqp://vcp:{rabbitPassword}@127.0.0.1:{rabbitPort}/{VirtualHost}";

    /// <summary>What the migrator host returned for the fixture's own run.</summary>
    public int MigratorExitCode { get; private set; } = -1;

    public async Task InitializeAsync()
    {
        await RunStackScriptAsync("start");
        await RunStackScriptAsync("add-vhost", VirtualHost);
        MigratorExitCode = await RunMigratorAsync();
        if (MigratorExitCode != 0)
        {
            throw new InvalidOperationException($"The migrator exited with {MigratorExitCode}: see the test output.");
        }
    }

    /// <summary>Runs the migrator host in-process on this run's database.</summary>
    public Task<int> RunMigratorAsync() =>
        MigratorHost.RunAsync([$"--Postgres:ConnectionString={ConnectionString}", "--Logging:LogLevel:Default=Warning"]);

    public async Task DisposeAsync()
    {
        try
        {
            NpgsqlConnection.ClearAllPools();
            await using var connection = new NpgsqlConnection(string.Format(null, AdminConnectionString, pgPort, pgPassword));
            await connection.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{DatabaseName}\" WITH (FORCE)", connection);
            await drop.ExecuteNonQueryAsync();
        }
        finally
        {
            await RunStackScriptAsync("delete-vhost", VirtualHost);
        }
    }

    private static async Task RunStackScriptAsync(params string[] command)
    {
        var start = new ProcessStartInfo("bash", [RepositoryPaths.StackScript, .. command])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = RepositoryPaths.Root,
        };
        using var process = Process.Start(start) ?? throw new InvalidOperationException("Could not run scripts/stack.sh.");
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        // Generous: rabbitmqctl boots an Erlang VM per call, and start waits for other test runs' lock; on a 2-core
        // machine at a load average of 35 add-vhost and delete-vhost took more than 3 minutes.
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(10));
        await process.WaitForExitAsync(timeout.Token);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"scripts/stack.sh {string.Join(' ', command)} exited with {process.ExitCode}:\n{await output}\n{await errors}");
        }
    }
}

/// <summary>
/// A database and RabbitMQ virtual host of one test class's own, for checks that cover the whole catalogue (a
/// watchlist's catalogue pass): the videos of the collection's other classes would otherwise be in it. Used as a class
/// fixture inside the stack collection, so the class still runs alone.
/// </summary>
public sealed class PrivateStackFixture : IAsyncLifetime
{
    public StackFixture Stack { get; } = new();

    public Task InitializeAsync() => Stack.InitializeAsync();

    public Task DisposeAsync() => Stack.DisposeAsync();
}

/// <summary>Test classes in this collection share one <see cref="StackFixture"/> (one stack start, one database).</summary>
[CollectionDefinition(Name)]
public sealed class StackCollection : ICollectionFixture<StackFixture>
{
    public const string Name = "stack";
}
