using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;
using VideoCoca.Contracts.Messages;
using VideoCoca.Messaging.Hosting;

namespace VideoCoca.Messaging.Clips;

/// <summary>
/// Declares a model version's clip queue (<see cref="ClipQueues.For"/>) before the first clip is sent to it, so that clips
/// for a version whose workers are not up yet wait in the queue instead of being dropped by an exchange with no queue.
/// MassTransit's send endpoints declare a queue without arguments, which RabbitMQ refuses for a queue that exists as a
/// priority queue; so the queue, its exchange and the binding are declared here with exactly the arguments the
/// workers' receive endpoints give them, and clips are sent to the exchange.
/// </summary>
public sealed class ClipQueueDeclarer(IOptions<RabbitMqOptions> options) : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, Task> _declared = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _connecting = new(1, 1);
    private IConnection? _connection;

    /// <summary>Declares the queue once per process (a failed declaration is tried again on the next call).</summary>
    public async Task EnsureAsync(string queue, CancellationToken cancellationToken = default)
    {
        var declaration = _declared.GetOrAdd(queue, name => DeclareAsync(name));
        try
        {
            await declaration.WaitAsync(cancellationToken);
        }
        catch when (declaration.IsFaulted || declaration.IsCanceled)
        {
            _declared.TryRemove(new KeyValuePair<string, Task>(queue, declaration));
            throw;
        }
    }

    private async Task DeclareAsync(string queue)
    {
        var connection = await ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.ExchangeDeclareAsync(queue, ExchangeType.Fanout, durable: true, autoDelete: false);
        await channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false,
            arguments: new Dictionary<string, object?> { ["x-max-priority"] = ClipQueues.MaxPriority });
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
