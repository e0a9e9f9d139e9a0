using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using VideoCoca.Contracts.Queries;
using VideoCoca.GpuWorkers.Model;

namespace VideoCoca.GpuWorkers.Queries;

/// <summary>
/// The worker's model-query endpoint: the queue of its model version (<see cref="ModelQueryQueues.For"/>), apart from
/// the clips' queue, so that a query never waits behind a backlog of clips. Its name is only known from the model
/// (options, config.json and the weights' checksum), so it is declared when the bus is configured, from
/// <see cref="ModelRuntime.Identify"/>, rather than from a consumer definition.
/// </summary>
public static class ModelQueryEndpoint
{
    /// <summary>
    /// Requests in flight at once: text and label embeddings run side by side (they take no gate), answers and scores queue on the
    /// model's gate in the worker rather than in the broker, where a stopping worker hands them back.
    /// </summary>
    public const int ConcurrentMessageLimit = 8;

    public static void AddModelQueryConsumers(this IBusRegistrationConfigurator bus)
    {
        bus.AddConsumer<EmbedTextsConsumer>();
        bus.AddConsumer<EmbedLabelsConsumer>();
        bus.AddConsumer<AnswerQuestionConsumer>();
        bus.AddConsumer<ScoreTextConsumer>();
    }

    public static void Configure(IBusRegistrationContext context, IRabbitMqBusFactoryConfigurator rabbit)
    {
        var version = context.GetRequiredService<ModelRuntime>().Identify();
        rabbit.ReceiveEndpoint(ModelQueryQueues.For(version), endpoint =>
        {
            endpoint.ConcurrentMessageLimit = ConcurrentMessageLimit;
            endpoint.PrefetchCount = ConcurrentMessageLimit;
            endpoint.ConfigureConsumer<EmbedTextsConsumer>(context);
            endpoint.ConfigureConsumer<EmbedLabelsConsumer>(context);
            endpoint.ConfigureConsumer<AnswerQuestionConsumer>(context);
            endpoint.ConfigureConsumer<ScoreTextConsumer>(context);
        });
    }
}
