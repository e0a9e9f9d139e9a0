using MassTransit;
using VideoCoca.Contracts.Diagnostics;
using VideoCoca.Contracts.Messages;
using VideoCoca.GrainInterfaces;
using VideoCoca.Grains.Videos;

namespace VideoCoca.Silo.Consumers;

/// <summary>
/// Hands the workers' verdicts to the video's grain (which counts each clip once), or, for a campaign's clip, to the
/// campaign's grain: a campaign re-analyses a finished video, whose own counts must not move. Verdicts come in
/// batches (a worker reports a batch of clips at once): one grain call per video of a batch, so the grain writes its
/// state and the video's row once for them all rather than once a clip.
/// </summary>
public sealed class ClipResultsConsumer(IGrainFactory grains) : IConsumer<Batch<ClipAnalyzed>>, IConsumer<Batch<ClipFailed>>
{
    public Task Consume(ConsumeContext<Batch<ClipAnalyzed>> context) =>
        SettleAsync(context.Message.Select(m => (m.Message.VideoId, m.Message.CampaignId, new ClipVerdict(m.Message.ClipIndex, null))));

    public Task Consume(ConsumeContext<Batch<ClipFailed>> context) =>
        SettleAsync(context.Message.Select(m => (m.Message.VideoId, m.Message.CampaignId, new ClipVerdict(m.Message.ClipIndex, m.Message.Reason ?? ""))));

    private async Task SettleAsync(IEnumerable<(Guid VideoId, Guid? CampaignId, ClipVerdict Verdict)> verdicts)
    {
        using var stage = StageCpu.Enter(VideoStages.Results);
        var calls = new List<Task>();
        foreach (var video in verdicts.Where(v => v.CampaignId is null).GroupBy(v => v.VideoId))
        {
            calls.Add(grains.GetGrain<IVideoGrain>(video.Key).ClipsSettledAsync(video.Select(v => v.Verdict).ToList()));
        }
        // A campaign's grain counts settled clips (its ledger is the truth): one call per verdict, as before.
        foreach (var (_, campaign, _) in verdicts.Where(v => v.CampaignId is not null))
        {
            calls.Add(grains.GetGrain<ICampaignGrain>(campaign!.Value).ClipSettledAsync());
        }
        await Task.WhenAll(calls);
    }
}
