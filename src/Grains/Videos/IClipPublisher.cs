using MassTransit;
using VideoCoca.Contracts.Messages;
using VideoCoca.Messaging.Clips;

namespace VideoCoca.Grains.Videos;

/// <summary>Queues clips for the workers.</summary>
public interface IClipPublisher
{
    /// <summary>
    /// A clip that names a model version goes to that version's queue with <paramref name="priority"/>
    /// (<see cref="ClipQueues.UploadPriority"/> or <see cref="ClipQueues.CampaignPriority"/>); one that names none is
    /// published to the shared queue.
    /// </summary>
    Task PublishAsync(AnalyzeClip message, byte priority, CancellationToken cancellationToken = default);
}

/// <summary>Sends through the host's bus (a singleton, unlike the scoped publish endpoint).</summary>
public sealed class BusClipPublisher(IBus bus, ClipQueueDeclarer queues) : IClipPublisher
{
    public async Task PublishAsync(AnalyzeClip message, byte priority, CancellationToken cancellationToken = default)
    {
        if (message.ModelVersion is not { } version)
        {
            await ((IPublishEndpoint)bus).Publish(message, cancellationToken);
            return;
        }
        var queue = ClipQueues.For(version);
        await queues.EnsureAsync(queue, cancellationToken);
        var endpoint = await bus.GetSendEndpoint(new Uri($"exchange:{queue}"));
        await endpoint.Send(message, context => context.SetPriority(priority), cancellationToken);
    }
}
