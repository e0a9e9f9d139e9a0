using MassTransit;
using Microsoft.Extensions.Options;
using VideoCoca.Ingest;

namespace VideoCoca.Silo.Consumers;

/// <summary>
/// The silo's results queue: a verdict whose grain cannot be reached is tried again for about a minute before it
/// is given up on. A grain that lived on a silo that just died is unreachable until the cluster declares that silo dead
/// (some seconds of failed probes) and the grain activates elsewhere; without the retries its verdicts went straight to
/// the error queue, and the video stayed analysing. Verdicts are taken in batches of up to
/// <see cref="IngestOptions.ResultsBatchLimit"/>, gathered for at most <see cref="BatchWindow"/> after the last one came
/// (a worker reports a batch of clips together).
/// </summary>
public sealed class ClipResultsConsumerDefinition : ConsumerDefinition<ClipResultsConsumer>
{
    /// <summary>1 s, 2 s, ... 10 s apart: 55 s in all, several times what declaring a killed silo dead takes here.</summary>
    public const int RetryLimit = 10;

    /// <summary>How long a batch waits for the next verdict: a worker publishes its batch's verdicts within milliseconds.</summary>
    public static readonly TimeSpan BatchWindow = TimeSpan.FromMilliseconds(20);

    private readonly int _batchLimit;

    public ClipResultsConsumerDefinition(IOptions<IngestOptions> options)
    {
        _batchLimit = Math.Clamp(options.Value.ResultsBatchLimit, 1, 1000);
        // Both batches (analysed, failed) may be gathering at once.
        ConcurrentMessageLimit = Math.Max(16, 2 * _batchLimit);
    }

    protected override void ConfigureConsumer(
        IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<ClipResultsConsumer> consumerConfigurator,
        IRegistrationContext context)
    {
        endpointConfigurator.PrefetchCount = Math.Max(16, 2 * _batchLimit);
        endpointConfigurator.UseMessageRetry(retry => retry.Incremental(RetryLimit, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1)));
        consumerConfigurator.Options<BatchOptions>(batch =>
        {
            batch.MessageLimit = _batchLimit;
            batch.TimeLimit = BatchWindow;
            batch.TimeLimitStart = BatchTimeLimitStart.FromLast;
            // A batch retrying against a grain on a dead silo does not hold up every other video's verdicts.
            batch.ConcurrencyLimit = 2;
        });
    }
}
