using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using VideoCoca.Contracts.Messages;
using VideoCoca.GpuWorkers.Hosting;
using VideoCoca.GpuWorkers.Model;

namespace VideoCoca.GpuWorkers.Analysis;

/// <summary>
/// The queues a worker takes clips from: its model version's own queue (<see cref="ClipQueues.For"/>), a priority queue
/// where a new upload's clips go ahead of a campaign's, and the shared queue (<see cref="WorkerOptions.QueueName"/>) of
/// clips recorded while no version was registered. Declared here rather than by a consumer definition because the
/// version's name is only known from the model.
/// </summary>
public static class ClipEndpoints
{
    public static void AddClipConsumer(this IBusRegistrationConfigurator bus) =>
        bus.AddConsumer<AnalyzeClipBatchConsumer, AnalyzeClipBatchConsumerDefinition>().ExcludeFromConfigureEndpoints();

    public static void Configure(IBusRegistrationContext context, IRabbitMqBusFactoryConfigurator rabbit)
    {
        var options = context.GetRequiredService<IOptions<WorkerOptions>>().Value;
        var version = context.GetRequiredService<ModelRuntime>().Identify();
        rabbit.ReceiveEndpoint(ClipQueues.For(version), endpoint =>
        {
            // The same argument, of the same type, as ClipQueueDeclarer gives the queue when a silo declares it first.
            endpoint.SetQueueArgument("x-max-priority", ClipQueues.MaxPriority);
            Configure(endpoint, options, context);
        });
        rabbit.ReceiveEndpoint(options.QueueName, endpoint =>
        {
            endpoint.Durable = !options.TemporaryQueue;
            endpoint.AutoDelete = options.TemporaryQueue;
            endpoint.Exclusive = options.TemporaryQueue;
            Configure(endpoint, options, context);
        });
    }

    private static void Configure(IRabbitMqReceiveEndpointConfigurator endpoint, WorkerOptions options, IBusRegistrationContext context)
    {
        // Every message of a batch is in flight until the batch completes, so the endpoint must hold a whole batch and the next.
        endpoint.PrefetchCount = options.BatchSize * 2;
        endpoint.ConcurrentMessageLimit = options.BatchSize;
        endpoint.ConfigureConsumer<AnalyzeClipBatchConsumer>(context);
    }
}
