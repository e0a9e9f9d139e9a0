using Microsoft.Extensions.Options;
using Orleans.Configuration;
using VideoCoca.Gateway.Hosting;
using VideoCoca.Persistence.Hosting;

namespace VideoCoca.Gateway.Cluster;

/// <summary>The processing cluster cannot be reached now: the gateway answers 503.</summary>
public sealed class ClusterUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// The gateway's Orleans client (ADO.NET clustering on the platform's PostgreSQL), connected in the
/// background: the gateway starts and answers (reads, health) while no silo is up, and keeps trying until
/// one is. Calls that need the cluster get <see cref="ClusterUnavailableException"/> until then.
/// </summary>
public sealed class ClusterClientHost(
    IOptions<OrleansClusterOptions> options, IOptions<PostgresOptions> postgres, ILoggerFactory loggerFactory, ILogger<ClusterClientHost> logger)
    : BackgroundService
{
    private volatile IHost? _client;

    /// <summary>The connected client, or null while the cluster has not been reached.</summary>
    public IClusterClient? Client => _client?.Services.GetRequiredService<IClusterClient>();

    /// <summary>The connected client; throws <see cref="ClusterUnavailableException"/> when there is none.</summary>
    public IClusterClient RequireClient() =>
        Client ?? throw new ClusterUnavailableException("the processing cluster is not reachable; try again shortly");

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        var connectionString = string.IsNullOrWhiteSpace(settings.ConnectionString) ? postgres.Value.ConnectionString : settings.ConnectionString;
        var attempt = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            attempt++;
            var host = new HostBuilder()
                .ConfigureServices(services => services.AddSingleton(loggerFactory))
                .UseOrleansClient(client => client
                    // Grain calls carry the caller's trace context: an upload's trace runs on into its grain.
                    .AddActivityPropagation()
                    .Configure<ClusterOptions>(cluster =>
                    {
                        cluster.ClusterId = settings.ClusterId;
                        cluster.ServiceId = settings.ServiceId;
                    })
                    .UseAdoNetClustering(clustering =>
                    {
                        clustering.Invariant = "Npgsql";
                        clustering.ConnectionString = connectionString;
                    }))
                .Build();
            try
            {
                await host.StartAsync(stoppingToken);
                _client = host;
                logger.LogInformation("Connected to Orleans cluster {ClusterId}/{ServiceId}", settings.ClusterId, settings.ServiceId);
                return;
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                if (attempt == 1 || attempt % 12 == 0)
                {
                    logger.LogWarning("Orleans cluster {ClusterId} not reachable yet (attempt {Attempt}): {Reason}", settings.ClusterId, attempt, e.Message);
                }
                host.Dispose();
            }
            catch (OperationCanceledException)
            {
                host.Dispose();
                return;
            }
            try
            {
                await Task.Delay(settings.ReconnectDelay, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        if (_client is { } client)
        {
            try
            {
                await client.StopAsync(cancellationToken);
            }
            finally
            {
                client.Dispose();
                _client = null;
            }
        }
    }
}
