using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using VideoCoca.Contracts.Messages;
using VideoCoca.GpuWorkers.Hosting;
using VideoCoca.GpuWorkers.Model;
using VideoCoca.Messaging.Clips;

namespace VideoCoca.GpuWorkers.Analysis;

/// <summary>
/// The queues a worker takes clips from: its model version's two lanes (<see cref="ClipQueues"/>), new uploads in
/// batches of <see cref="WorkerOptions.BatchSize"/> and campaigns in batches of <see cref="WorkerOptions.CampaignBatchSize"/>,
/// and the shared queue (<see cref="WorkerOptions.QueueName"/>) of clips recorded while no version was registered.
/// Declared here rather than by a consumer definition because the version's name is only known from the model.
/// </summary>
public static class ClipEndpoints
{
    public static void AddClipConsumer(this IBusRegistrationConfigurator bus) =>
        bus.AddConsumer<AnalyzeClipBatchConsumer, AnalyzeClipBatchConsumerDefinition>().ExcludeFromConfigureEndpoints();

    public static void Configure(IBusRegistrationContext context, IRabbitMqBusFactoryConfigurator rabbit)
    {
        var options = context.GetRequiredService<IOptions<WorkerOptions>>().Value;
        var version = context.GetRequiredService<ModelRuntime>().Identify();
        foreach (var lane in Enum.GetValues<ClipLane>())
        {
            rabbit.ReceiveEndpoint(ClipQueues.ForLane(version, lane), endpoint =>
            {
                // The same arguments, of the same types, as ClipQueueDeclarer gives the queue when a silo declares it first.
                foreach (var (name, value) in ClipQueueDeclarer.ArgumentsOf(lane))
                {
                    endpoint.SetQueueArgument(name, value);
                }
                Configure(endpoint, lane == ClipLane.Campaign ? options.CampaignBatchSize : options.BatchSize, options, context);
            });
        }
        rabbit.ReceiveEndpoint(options.QueueName, endpoint =>
        {
            endpoint.Durable = !options.TemporaryQueue;
            endpoint.AutoDelete = options.TemporaryQueue;
            endpoint.Exclusive = options.TemporaryQueue;
            Configure(endpoint, options.BatchSize, options, context);
        });
    }

    private static void Configure(IRabbitMqReceiveEndpointConfigurator endpoint, int batchSize, WorkerOptions options, IBusRegistrationContext context)
    {
        // Every message of a batch is in flight until the batch completes, so the endpoint holds a whole batch and the
        // next: the next one is read while the model runs. An upload's clips never sit in that prefetch behind a
        // campaign's, as the two lanes are separate endpoints.
        endpoint.PrefetchCount = batchSize * 2;
        endpoint.ConcurrentMessageLimit = batchSize;
        endpoint.ConfigureConsumer<AnalyzeClipBatchConsumer>(context, consumer => consumer.Options<BatchOptions>(batch =>
        {
            batch.MessageLimit = batchSize;
            batch.TimeLimit = options.BatchTimeLimit;
            batch.TimeLimitStart = BatchTimeLimitStart.FromLast;
            // One batch at a time per lane; the lanes' forward passes take turns at the model's gate.
            batch.ConcurrencyLimit = 1;
        }));
    }
}
