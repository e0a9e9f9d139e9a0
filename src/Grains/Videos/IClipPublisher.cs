using MassTransit;
using VideoCoca.Contracts.Messages;
using VideoCoca.Messaging.Clips;

namespace VideoCoca.Grains.Videos;

/// <summary>Queues clips for the workers.</summary>
public interface IClipPublisher
{
    /// <summary>
    /// A clip that names a model version goes to that version's <paramref name="lane"/> (<see cref="ClipQueues"/>); one
    /// that names none is published to the shared queue.
    /// </summary>
    Task PublishAsync(AnalyzeClip message, ClipLane lane, CancellationToken cancellationToken = default);
}

/// <summary>Sends through the host's bus (a singleton, unlike the scoped publish endpoint).</summary>
public sealed class BusClipPublisher(IBus bus, ClipQueueDeclarer queues) : IClipPublisher
{
    public async Task PublishAsync(AnalyzeClip message, ClipLane lane, CancellationToken cancellationToken = default)
    {
        if (message.ModelVersion is not { } version)
        {
            await ((IPublishEndpoint)bus).Publish(message, cancellationToken);
            VideoTelemetry.ClipQueued(lane);
            return;
        }
        var queue = await queues.EnsureAsync(version, lane, cancellationToken);
        var endpoint = await bus.GetSendEndpoint(new Uri($"exchange:{queue}"));
        if (lane == ClipLane.Upload)
        {
            await endpoint.Send(message, context => context.SetPriority(ClipQueues.UploadPriority), cancellationToken);
        }
        else
        {
            await endpoint.Send(message, cancellationToken);
        }
        VideoTelemetry.ClipQueued(lane);
    }
}
