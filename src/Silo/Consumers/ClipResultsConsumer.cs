using MassTransit;
using VideoCoca.Contracts.Messages;
using VideoCoca.GrainInterfaces;

namespace VideoCoca.Silo.Consumers;

/// <summary>Hands the workers' verdicts to the video's grain (which counts each clip once).</summary>
public sealed class ClipResultsConsumer(IGrainFactory grains) : IConsumer<ClipAnalyzed>, IConsumer<ClipFailed>
{
    public Task Consume(ConsumeContext<ClipAnalyzed> context) =>
        grains.GetGrain<IVideoGrain>(context.Message.VideoId).ClipAnalyzedAsync(context.Message.ClipIndex);

    public Task Consume(ConsumeContext<ClipFailed> context) =>
        grains.GetGrain<IVideoGrain>(context.Message.VideoId).ClipFailedAsync(context.Message.ClipIndex, context.Message.Reason);
}
