using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using VideoCoca.Messaging.Clips;
using Microsoft.Extensions.Options;

namespace VideoCoca.Messaging.Hosting;

public static class MessagingServiceCollectionExtensions
{
    /// <summary>
    /// MassTransit over RabbitMQ, configured from the <c>RabbitMq</c> section: kebab-case endpoint
    /// names, one receive endpoint per registered consumer.
    /// </summary>
    /// <param name="services">The host's services.</param>
    /// <param name="configuration">The host's configuration.</param>
    /// <param name="configure">Registers the host's consumers (and anything else on the bus).</param>
    /// <param name="configureTopology">The host's own broker topology (the silo binds the workers' queue).</param>
    public static IServiceCollection AddPlatformMessaging(
        this IServiceCollection services, IConfiguration configuration, Action<IBusRegistrationConfigurator>? configure = null,
        Action<IBusRegistrationContext, IRabbitMqBusFactoryConfigurator>? configureTopology = null)
    {
        services.AddOptions<RabbitMqOptions>()
            .Bind(configuration.GetSection(RabbitMqOptions.SectionName))
            .PostConfigure(options => options.Url = RabbitMqOptions.Resolve(options.Url));
        // A host is up only once its bus is: receive endpoints bound, so nothing it publishes at
        // start-up goes to an exchange with no queue yet.
        services.AddOptions<MassTransitHostOptions>().Configure(options =>
        {
            options.WaitUntilStarted = true;
            options.StartTimeout = TimeSpan.FromMinutes(1);
            options.StopTimeout = TimeSpan.FromSeconds(30);
        });
        services.TryAddSingleton<ClipQueueDeclarer>();
        services.AddMassTransit(bus =>
        {
            bus.SetKebabCaseEndpointNameFormatter();
            // MassTransit 8.4+ reports usage to its vendor over the internet by default. A self-hosted platform,
            // often on hosts with no way out, must not send anything off the machine unasked (and each failed
            // report logged a stack trace).
            bus.DisableUsageTelemetry();
            configure?.Invoke(bus);
            bus.UsingRabbitMq((context, rabbit) =>
            {
                var endpoint = RabbitMqEndpoint.Parse(context.GetRequiredService<IOptions<RabbitMqOptions>>().Value.Url);
                rabbit.Host(endpoint.Host, endpoint.Port, endpoint.VirtualHost, host =>
                {
                    host.Username(endpoint.Username);
                    host.Password(endpoint.Password);
                });
                configureTopology?.Invoke(context, rabbit);
                rabbit.ConfigureEndpoints(context);
            });
        });
        return services;
    }
}
