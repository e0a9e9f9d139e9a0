using System.Net;
using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using VideoCoca.Contracts.Messages;
using VideoCoca.Grains;
using VideoCoca.Grains.Campaigns;
using VideoCoca.Grains.Videos;
using VideoCoca.Ingest;
using VideoCoca.Messaging.Hosting;
using VideoCoca.Persistence.Hosting;
using VideoCoca.ServiceDefaults.Operations;
using VideoCoca.ServiceDefaults.Telemetry;
using VideoCoca.Silo.Consumers;
using VideoCoca.Silo.Health;
using VideoCoca.Silo.Retention;

namespace VideoCoca.Silo.Hosting;

public static class SiloHostExtensions
{
    /// <summary>The ADO.NET invariant of the Npgsql provider, as the Orleans schema the migrator writes expects.</summary>
    public const string AdoNetInvariant = "Npgsql";

    /// <summary>
    /// The whole silo: Orleans (ADO.NET clustering, grain storage "videos" and reminders on the platform's
    /// PostgreSQL), the results database, the bus with the results consumer, the ingest services, the retention sweeper,
    /// OpenTelemetry (section Telemetry) and the operations endpoint (section Operations: /metrics and health).
    /// </summary>
    /// <param name="builder">The host.</param>
    /// <param name="configureBus">More consumers for the same bus (tests).</param>
    public static IHostApplicationBuilder AddVideoCocaSilo(this IHostApplicationBuilder builder, Action<IBusRegistrationConfigurator>? configureBus = null)
    {
        var configuration = builder.Configuration;
        var silo = configuration.GetSection(SiloOptions.SectionName).Get<SiloOptions>() ?? new SiloOptions();
        var connectionString = PostgresOptions.Resolve(configuration[$"{PostgresOptions.SectionName}:{nameof(PostgresOptions.ConnectionString)}"]);
        builder.Services.AddOptions<SiloOptions>().Bind(configuration.GetSection(SiloOptions.SectionName));
        builder.AddPlatformTelemetry("vcp-silo");
        // Ready: the database answers, the bus is connected (MassTransit's own check, tagged ready) and the silo is active.
        builder.AddOperationsEndpoint()
            .Add(new HealthCheckRegistration("postgres", _ => new PostgresReadyCheck(() => connectionString), HealthStatus.Unhealthy, [HealthEndpoints.ReadyTag], TimeSpan.FromSeconds(5)))
            .AddCheck<SiloActiveCheck>("orleans", tags: [HealthEndpoints.ReadyTag]);

        builder.Services.AddResultsDatabase(configuration);
        builder.Services.AddVideoGrainServices(configuration);
        builder.Services.AddHostedService<RetentionSweeper>();
        builder.Services.AddPlatformMessaging(configuration, bus =>
        {
            bus.AddConsumer<ClipResultsConsumer, ClipResultsConsumerDefinition>();
            configureBus?.Invoke(bus);
        }, (context, rabbit) =>
        {
            // The workers' queue, declared and bound straight to the clip messages' exchange before the first publish,
            // so that clips published before any worker is up wait in it. A worker's endpoint adds its own route
            // (through an exchange of the queue's name); RabbitMQ puts a message in a queue once however many
            // bindings lead there.
            var queue = context.GetRequiredService<IOptions<IngestOptions>>().Value.AnalysisQueue;
            var clipExchange = rabbit.MessageTopology.GetMessageTopology<AnalyzeClip>().EntityName;
            rabbit.Publish<AnalyzeClip>(topology => topology.BindQueue(clipExchange, queue));
        });

        // Reminders may fire as often as the ingest asks (Orleans' floor is a minute).
        builder.Services.AddOptions<ReminderOptions>().Configure<IOptions<IngestOptions>, IOptions<CampaignOptions>>((reminders, ingest, campaigns) =>
        {
            var shortest = ingest.Value.ReminderPeriod < campaigns.Value.ReminderPeriod ? ingest.Value.ReminderPeriod : campaigns.Value.ReminderPeriod;
            if (shortest < reminders.MinimumReminderPeriod)
            {
                reminders.MinimumReminderPeriod = shortest;
            }
        });

        builder.UseOrleans(orleans => orleans
            // Grain calls continue their caller's trace (an upload's, from the gateway), and the grains' own sends carry it on.
            .AddActivityPropagation()
            .Configure<ClusterOptions>(options =>
            {
                options.ClusterId = silo.ClusterId;
                options.ServiceId = silo.ServiceId;
            })
            .ConfigureEndpoints(IPAddress.Parse(silo.AdvertisedIPAddress), silo.SiloPort, silo.GatewayPort, silo.ListenOnAnyHostAddress)
            .UseAdoNetClustering(options =>
            {
                options.Invariant = AdoNetInvariant;
                options.ConnectionString = connectionString;
            })
            .AddAdoNetGrainStorage(VideoGrain.StorageName, options =>
            {
                options.Invariant = AdoNetInvariant;
                options.ConnectionString = connectionString;
            })
            .UseAdoNetReminderService(options =>
            {
                options.Invariant = AdoNetInvariant;
                options.ConnectionString = connectionString;
            }));
        return builder;
    }
}
