using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;
using VideoCoca.Contracts.Messages;
using VideoCoca.Messaging.Hosting;

namespace VideoCoca.Messaging.Clips;

/// <summary>
/// Declares a model version's clip queues (<see cref="ClipQueues.LanesOf"/>) before the first clip is sent to one, so that clips
/// for a version whose workers are not up yet wait in the queue instead of being dropped by an exchange with no queue.
/// MassTransit's send endpoints declare a queue without arguments, which RabbitMQ refuses for a queue that exists as a
/// priority queue; so the queue, its exchange and the binding are declared here with exactly the arguments the
/// workers' receive endpoints give them (<see cref="ArgumentsOf"/>), and clips are sent to the exchange.
/// </summary>
public sealed class ClipQueueDeclarer(IOptions<RabbitMqOptions> options) : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, Task> _declared = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _connecting = new(1, 1);
    private IConnection? _connection;

    /// <summary>
    /// The arguments of a lane's queue, the same for whoever declares it first (a silo here, or a worker's receive
    /// endpoint): the upload lane is a priority queue, the campaign lane a plain one.
    /// </summary>
    public static IReadOnlyDictionary<string, object?> ArgumentsOf(ClipLane lane) => lane == ClipLane.Upload
        ? new Dictionary<string, object?> { ["x-max-priority"] = ClipQueues.MaxPriority }
        : new Dictionary<string, object?>();

    /// <summary>Declares the lane's queue once per process (a failed declaration is tried again on the next call) and names it.</summary>
    public async Task<string> EnsureAsync(string version, ClipLane lane, CancellationToken cancellationToken = default)
    {
        var queue = ClipQueues.ForLane(version, lane);
        var declaration = _declared.GetOrAdd(queue, name => DeclareAsync(name, lane));
        try
        {
            await declaration.WaitAsync(cancellationToken);
            return queue;
        }
        catch when (declaration.IsFaulted || declaration.IsCanceled)
        {
            _declared.TryRemove(new KeyValuePair<string, Task>(queue, declaration));
            throw;
        }
    }

    private async Task DeclareAsync(string queue, ClipLane lane)
    {
        var connection = await ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.ExchangeDeclareAsync(queue, ExchangeType.Fanout, durable: true, autoDelete: false);
        await channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false,
            arguments: new Dictionary<string, object?>(ArgumentsOf(lane)));
        await channel.QueueBindAsync(queue, queue, routingKey: "");
    }

    private async Task<IConnection> ConnectAsync()
    {
        await _connecting.WaitAsync();
        try
        {
            if (_connection is { IsOpen: true }) return _connection;
            if (_connection is not null) await _connection.DisposeAsync();
            _connection = await new ConnectionFactory { Uri = new Uri(options.Value.Url), ClientProvidedName = "vcp-clip-queues" }
                .CreateConnectionAsync();
            return _connection;
        }
        finally
        {
            _connecting.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_connection is not null) await _connection.DisposeAsync();
        _connecting.Dispose();
    }
}
