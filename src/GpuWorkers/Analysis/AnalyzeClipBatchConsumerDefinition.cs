using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using VideoCoca.GpuWorkers.Model;
using VideoCoca.GpuWorkers.Hosting;

namespace VideoCoca.GpuWorkers.Analysis;

/// <summary>
/// How a worker's clip queues (<see cref="ClipEndpoints"/>) consume: batches of up to <see cref="WorkerOptions.BatchSize"/> clips, or fewer once no clip has arrived
/// for <see cref="WorkerOptions.BatchTimeLimit"/>, one batch at a time (one forward pass at a time per worker),
/// a small immediate retry, and the poison check.
/// </summary>
public sealed class AnalyzeClipBatchConsumerDefinition : ConsumerDefinition<AnalyzeClipBatchConsumer>
{
    private readonly WorkerOptions _options;

    public AnalyzeClipBatchConsumerDefinition(IOptions<WorkerOptions> options)
    {
        _options = options.Value;
        ConcurrentMessageLimit = _options.BatchSize;
    }

    protected override void ConfigureConsumer(
        IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<AnalyzeClipBatchConsumer> consumerConfigurator,
        IRegistrationContext context)
    {
        if (_options.RetryLimit > 0)
        {
            endpointConfigurator.UseMessageRetry(retry => retry.Immediate(_options.RetryLimit));
        }
        endpointConfigurator.UseFilter(new AnalyzeClipValidationFilter(
            context.GetRequiredService<ModelRuntime>(), context.GetRequiredService<ClipResultWriter>(),
            context.GetRequiredService<IOptions<WorkerOptions>>(), context.GetRequiredService<ILogger<AnalyzeClipValidationFilter>>()));
        consumerConfigurator.Options<BatchOptions>(batch =>
        {
            batch.MessageLimit = _options.BatchSize;
            batch.TimeLimit = _options.BatchTimeLimit;
            batch.TimeLimitStart = BatchTimeLimitStart.FromLast;
            batch.ConcurrencyLimit = 1;
        });
    }
}
