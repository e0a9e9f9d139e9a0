using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using VideoCoca.GpuWorkers.Analysis;
using VideoCoca.GpuWorkers.Model;
using VideoCoca.GpuWorkers.Watch;
using VideoCoca.GpuWorkers.Queries;
using VideoCoca.Messaging.Hosting;
using VideoCoca.Persistence.Hosting;
using VideoCoca.GpuWorkers.Health;
using VideoCoca.ServiceDefaults.Operations;
using VideoCoca.ServiceDefaults.Telemetry;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace VideoCoca.GpuWorkers.Hosting;

public static class WorkerServiceCollectionExtensions
{
    /// <summary>
    /// The worker: <see cref="WorkerOptions"/> from the <c>Worker</c> section, the results database, the model
    /// (loaded and its version registered before the bus starts), the AnalyzeClip batch consumer, the model-query
    /// consumers on the version's own queue, and the sampler of the queues' depth for the vcp.queue.depth gauge.
    /// </summary>
    public static IServiceCollection AddGpuWorker(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<WorkerOptions>()
            .Bind(configuration.GetSection(WorkerOptions.SectionName))
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<WorkerOptions>, WorkerOptionsValidator>();
        services.AddResultsDatabase(configuration);
        services.AddSingleton<ModelRuntime>();
        services.AddSingleton<ResultWatch>();
        services.AddSingleton<ClipResultWriter>();
        services.AddSingleton<StoredResultsHold>();
        services.AddSingleton<UploadsFirst>();
        // Registered before the bus's hosted service, so it runs first.
        services.AddHostedService<ModelStartup>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddHostedService<ModelWorkerHeartbeat>();
        services.AddSingleton<QueryClipsReader>();
        services.AddHostedService<QueueDepthMonitor>();
        services.AddPlatformMessaging(configuration, bus =>
        {
            bus.AddClipConsumer();
            bus.AddModelQueryConsumers();
        }, (context, rabbit) =>
        {
            ClipEndpoints.Configure(context, rabbit);
            ModelQueryEndpoint.Configure(context, rabbit);
        });
        return services;
    }
}

/// <summary>The worker host, built the same way by Program.cs and by tests.</summary>
public static class WorkerHost
{
    public static HostApplicationBuilder CreateBuilder(string[] args)
    {
        // Content root beside the binary: appsettings.json is there, and the configuration's file watcher then watches
        // that folder, not the working folder (the repository under scripts/platform.sh, with every clip file written).
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, ContentRootPath = AppContext.BaseDirectory });
        // Before anything large is allocated: the settings shape every arena and block from here on.
        var allocator = builder.Configuration.GetSection(WorkerOptions.SectionName).Get<WorkerOptions>() ?? new WorkerOptions();
        NativeAllocator.Apply(allocator.AllocatorArenas, allocator.AllocatorMmapThreshold);
        builder.Services.AddGpuWorker(builder.Configuration);
        builder.AddPlatformTelemetry("vcp-worker");
        // Ready: the database answers, the bus is connected (MassTransit's own check, tagged ready) and the model is loaded.
        builder.AddOperationsEndpoint()
            .Add(new HealthCheckRegistration("postgres",
                provider => new PostgresReadyCheck(() => provider.GetRequiredService<IOptions<PostgresOptions>>().Value.ConnectionString),
                HealthStatus.Unhealthy, [HealthEndpoints.ReadyTag], TimeSpan.FromSeconds(5)))
            .AddCheck<ModelReadyCheck>("model", tags: [HealthEndpoints.ReadyTag]);
        return builder;
    }
}

internal sealed class WorkerOptionsValidator : IValidateOptions<WorkerOptions>
{
    public ValidateOptionsResult Validate(string? name, WorkerOptions options)
    {
        var errors = options.Validate().ToList();
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
