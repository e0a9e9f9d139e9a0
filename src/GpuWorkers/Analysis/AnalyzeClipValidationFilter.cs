using MassTransit;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using VideoCoca.Contracts.Messages;
using VideoCoca.GpuWorkers.Hosting;
using VideoCoca.GpuWorkers.Model;

namespace VideoCoca.GpuWorkers.Analysis;

/// <summary>
/// Checks each AnalyzeClip before it joins a batch: a message whose frames shape the model cannot take is
/// poison. It throws (so the message is retried, then moved to the error queue with the reason in its
/// fault headers), and on the last attempt it also reports <see cref="ClipFailed"/> and marks the clip
/// failed, so the video still completes.
/// </summary>
/// <remarks>
/// It sits in the endpoint's receive pipe (untyped, one transport message at a time, inside the retry), not on the
/// consumer: the batch collector would otherwise take the message first, and one message of a batch cannot fault alone.
/// </remarks>
public sealed class AnalyzeClipValidationFilter(
    ModelRuntime runtime, ClipResultWriter writer, IOptions<WorkerOptions> options, ILogger<AnalyzeClipValidationFilter> logger)
    : IFilter<ConsumeContext>
{
    public async Task Send(ConsumeContext context, IPipe<ConsumeContext> next)
    {
        if (context.TryGetMessage<AnalyzeClip>(out var typed) && typed.Message is { } message)
        {
            try
            {
                new ClipFramesReader(runtime.Config).Validate(message);
            }
            catch (InvalidClipFramesException e)
            {
                // Outside a retry scope (MassTransit applies endpoint retry per message type, after this filter) every
                // delivery is the last; inside one, only the last attempt reports.
                var lastAttempt = !context.TryGetPayload<ConsumeRetryContext>(out _) || context.GetRetryAttempt() >= options.Value.RetryLimit;
                if (lastAttempt)
                {
                    logger.LogWarning("Clip {ClipId} of video {VideoId} is poison, to the error queue: {Reason}", message.ClipId, message.VideoId, e.Message);
                    await writer.MarkFailedAsync(message.ClipId, e.Message, message.CampaignId, context.CancellationToken);
                    await context.Publish(new ClipFailed(
                        message.VideoId, message.ClipId, message.ClipIndex, message.ModelVersion ?? runtime.VersionName, e.Message, DateTimeOffset.UtcNow, message.CampaignId));
                }
                throw;
            }
        }
        await next.Send(context);
    }

    public void Probe(ProbeContext context) => context.CreateFilterScope("analyze-clip-validation");
}
