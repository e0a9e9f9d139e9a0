using MassTransit;
using VideoCoca.Contracts.Messages;

namespace VideoCoca.Grains.Videos;

/// <summary>Queues clips for the workers.</summary>
public interface IClipPublisher
{
    Task PublishAsync(AnalyzeClip message, CancellationToken cancellationToken = default);
}

/// <summary>Publishes through the host's bus (a singleton <see cref="IPublishEndpoint"/>, unlike the scoped one).</summary>
public sealed class BusClipPublisher(IBus bus) : IClipPublisher
{
    public Task PublishAsync(AnalyzeClip message, CancellationToken cancellationToken = default) =>
        ((IPublishEndpoint)bus).Publish(message, cancellationToken);
}
