using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using VideoCoca.GpuWorkers.Model;
using VideoCoca.GpuWorkers.Hosting;

namespace VideoCoca.GpuWorkers.Analysis;

/// <summary>
/// How a worker's clip queues (<see cref="ClipEndpoints"/>) consume: a small immediate retry and the poison check. The
/// batch each queue gathers is the endpoint's (<see cref="ClipEndpoints"/>): the campaign lane's is smaller.
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
    }
}
