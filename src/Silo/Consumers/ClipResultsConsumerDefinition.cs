using MassTransit;

namespace VideoCoca.Silo.Consumers;

/// <summary>
/// The silo's results queue: a verdict whose grain cannot be reached is tried again for about a minute before it
/// is given up on. A grain that lived on a silo that just died is unreachable until the cluster declares that silo dead
/// (some seconds of failed probes) and the grain activates elsewhere; without the retries its verdicts went straight to
/// the error queue, and the video stayed analysing.
/// </summary>
public sealed class ClipResultsConsumerDefinition : ConsumerDefinition<ClipResultsConsumer>
{
    /// <summary>1 s, 2 s, ... 10 s apart: 55 s in all, several times what declaring a killed silo dead takes here.</summary>
    public const int RetryLimit = 10;

    protected override void ConfigureConsumer(
        IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<ClipResultsConsumer> consumerConfigurator,
        IRegistrationContext context)
    {
        endpointConfigurator.UseMessageRetry(retry => retry.Incremental(RetryLimit, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1)));
    }
}
