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
public sealed class AnalyzeClipValidationFilter<T>(
    ModelRuntime runtime, ClipResultWriter writer, IOptions<WorkerOptions> options, ILogger<AnalyzeClipValidationFilter<T>> logger)
    : IFilter<ConsumeContext<T>> where T : class
{
    public async Task Send(ConsumeContext<T> context, IPipe<ConsumeContext<T>> next)
    {
        if (context.Message is AnalyzeClip message)
        {
            try
            {
                new ClipFramesReader(runtime.Config).Validate(message);
            }
            catch (InvalidClipFramesException e)
            {
                var attempt = context.GetRetryAttempt();
                if (attempt >= options.Value.RetryLimit)
                {
                    logger.LogWarning("Clip {ClipId} of video {VideoId} is poison, to the error queue: {Reason}", message.ClipId, message.VideoId, e.Message);
                    await writer.MarkFailedAsync(message.ClipId, e.Message, context.CancellationToken);
                    await context.Publish(new ClipFailed(
                        message.VideoId, message.ClipId, message.ClipIndex, message.ModelVersion ?? runtime.VersionName, e.Message, DateTimeOffset.UtcNow));
                }
                throw;
            }
        }
        await next.Send(context);
    }

    public void Probe(ProbeContext context) => context.CreateFilterScope("analyze-clip-validation");
}
