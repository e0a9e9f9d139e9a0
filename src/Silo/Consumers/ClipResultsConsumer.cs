using MassTransit;
using VideoCoca.Contracts.Messages;
using VideoCoca.GrainInterfaces;

namespace VideoCoca.Silo.Consumers;

/// <summary>
/// Hands the workers' verdicts to the video's grain (which counts each clip once), or, for a campaign's clip, to the
/// campaign's grain: a campaign re-analyses a finished video, whose own counts must not move.
/// </summary>
public sealed class ClipResultsConsumer(IGrainFactory grains) : IConsumer<ClipAnalyzed>, IConsumer<ClipFailed>
{
    public Task Consume(ConsumeContext<ClipAnalyzed> context) => context.Message.CampaignId is { } campaign
        ? grains.GetGrain<ICampaignGrain>(campaign).ClipSettledAsync()
        : grains.GetGrain<IVideoGrain>(context.Message.VideoId).ClipAnalyzedAsync(context.Message.ClipIndex);

    public Task Consume(ConsumeContext<ClipFailed> context) => context.Message.CampaignId is { } campaign
        ? grains.GetGrain<ICampaignGrain>(campaign).ClipSettledAsync()
        : grains.GetGrain<IVideoGrain>(context.Message.VideoId).ClipFailedAsync(context.Message.ClipIndex, context.Message.Reason);
}
