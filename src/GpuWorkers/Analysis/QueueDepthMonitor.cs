using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;
using VideoCoca.Contracts.Messages;
using VideoCoca.GpuWorkers.Hosting;
using VideoCoca.GpuWorkers.Model;
using VideoCoca.Messaging.Hosting;

namespace VideoCoca.GpuWorkers.Analysis;

/// <summary>
/// Samples the depth of the queues the worker takes clips from (its version's and the shared one) for the
/// vcp.queue.depth gauge: a passive declare every few seconds on a connection of its own. A gauge's callback must not
/// wait on the broker, so it reads the last sample.
/// </summary>
public sealed class QueueDepthMonitor(
    ModelRuntime runtime, IOptions<WorkerOptions> worker, IOptions<RabbitMqOptions> rabbit, ILogger<QueueDepthMonitor> logger) : BackgroundService
{
    public static readonly TimeSpan Period = TimeSpan.FromSeconds(5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var queues = new[] { ClipQueues.For(runtime.Identify()), worker.Value.QueueName };
        IConnection? connection = null;
        var warned = false;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    connection ??= await new ConnectionFactory
                    {
                        Uri = new Uri(rabbit.Value.Url),
                        ClientProvidedName = "vcp-worker-queue-depth",
                        RequestedConnectionTimeout = TimeSpan.FromSeconds(5),
                    }.CreateConnectionAsync(stoppingToken);
                    foreach (var queue in queues)
                    {
                        // A channel per declare: a missing queue closes the channel it was asked on.
                        await using var channel = await connection.CreateChannelAsync(cancellationToken: stoppingToken);
                        try
                        {
                            var declared = await channel.QueueDeclarePassiveAsync(queue, stoppingToken);
                            AnalysisTelemetry.QueueDepth(queue, declared.MessageCount);
                        }
                        catch (OperationInterruptedException e) when (e.ShutdownReason?.ReplyCode == 404)
                        {
                            AnalysisTelemetry.QueueDepth(queue, 0);
                        }
                    }
                    warned = false;
                }
                catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
                {
                    if (!warned) logger.LogWarning("Could not sample the queues' depth: {Reason}", e.Message);
                    warned = true;
                    if (connection is not null) await connection.DisposeAsync();
                    connection = null;
                }
                await Task.Delay(Period, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            if (connection is not null) await connection.DisposeAsync();
        }
    }
}
