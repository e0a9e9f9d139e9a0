using Microsoft.Extensions.DependencyInjection.Extensions;
using VideoCoca.Gateway.Access;
using VideoCoca.Gateway.Campaigns;
using VideoCoca.Gateway.Captions;
using VideoCoca.Gateway.Cluster;
using VideoCoca.Gateway.Events;
using VideoCoca.Gateway.Health;
using VideoCoca.Gateway.Http;
using VideoCoca.Gateway.Models;
using VideoCoca.Gateway.Questions;
using VideoCoca.Gateway.Search;
using VideoCoca.Gateway.Uploads;
using VideoCoca.Gateway.Videos;
using VideoCoca.Gateway.Webhooks;
using VideoCoca.Gateway.Watchlists;
using VideoCoca.Gateway.Web;
using VideoCoca.Gateway.Flags;
using VideoCoca.Messaging.Hosting;
using VideoCoca.Persistence.Hosting;
using VideoCoca.ServiceDefaults.Operations;
using VideoCoca.ServiceDefaults.Telemetry;

namespace VideoCoca.Gateway.Hosting;

public static class GatewayExtensions
{
    private const string ReadyTag = HealthEndpoints.ReadyTag;

    /// <summary>
    /// The gateway's services: options (Gateway, Orleans, Postgres, RabbitMq sections), the results database,
    /// the Orleans client (connected in the background), the bus and its model-query client, the upload probe, health checks, ProblemDetails, OpenAPI;
    /// and where Kestrel listens (ASPNETCORE_URLS or --urls when given, else Gateway:Url).
    /// </summary>
    public static WebApplicationBuilder AddGateway(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        var configuration = builder.Configuration;
        builder.AddPlatformTelemetry("vcp-gateway");
        services.AddOptions<GatewayOptions>().Bind(configuration.GetSection(GatewayOptions.SectionName))
            .Validate(o => o.MaxUploadBytes > 0, "Gateway:MaxUploadBytes must be positive")
            .Validate(o => o.MaxDurationSeconds > 0, "Gateway:MaxDurationSeconds must be positive")
            .Validate(o => o.ModelQueryTimeout > TimeSpan.Zero && o.GenerationTimeout > TimeSpan.Zero, "Gateway:ModelQueryTimeout and Gateway:GenerationTimeout must be positive")
            .Validate(o => o.MaxUndecodableFrameShare >= 0 && o.MaxUndecodableFrameShare < 1, "Gateway:MaxUndecodableFrameShare must be at least 0 and less than 1")
            .Validate(o => o.ProbeHelpers >= 0, "Gateway:ProbeHelpers must be 0 or more")
            .ValidateOnStart();
        services.AddOptions<OrleansClusterOptions>().Bind(configuration.GetSection(OrleansClusterOptions.SectionName));
        services.AddResultsDatabase(configuration);
        // A bus without consumers of its own: the gateway sends model queries to the workers and waits for their answers.
        services.AddPlatformMessaging(configuration);
        services.AddSingleton<IModelQueries, ModelQueryClient>();
        services.AddOptions<SearchOptions>().Bind(configuration.GetSection(SearchOptions.SectionName))
            .Validate(o => !o.Validate().Any(), "the Search section has a bad value (Search:EfSearch 1-1000, the others at least 1)")
            .ValidateOnStart();

        services.AddSingleton<ClusterClientHost>();
        services.AddHostedService(provider => provider.GetRequiredService<ClusterClientHost>());
        services.AddSingleton<IVideoGrains, OrleansVideoGrains>();
        services.AddSingleton<ProbeHelpers>();
        services.AddSingleton<VideoProbe>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddWebhookDispatch(configuration);
        services.AddOptions<VideoEventsOptions>().Bind(configuration.GetSection(VideoEventsOptions.SectionName))
            .Validate(o => o.PollInterval > TimeSpan.Zero && o.KeepAliveInterval > TimeSpan.Zero, "VideoEvents:PollInterval and KeepAliveInterval must be positive")
            .ValidateOnStart();
        services.AddWatchlists(configuration);
        services.AddOptions<CampaignDefaults>().Bind(configuration.GetSection(CampaignDefaults.SectionName))
            .Validate(o => !o.Validate().Any(), "the Campaigns section has a bad value (Campaigns:TimeZone an IANA zone, Campaigns:DefaultClipsPerMinute at least 1)")
            .ValidateOnStart();
        services.AddOptions<ModelVersionOptions>().Bind(configuration.GetSection(ModelVersionOptions.SectionName))
            .Validate(o => o.WorkerHeartbeatPeriod > TimeSpan.Zero, "Models:WorkerHeartbeatPeriod must be positive")
            .ValidateOnStart();

        services.AddHealthChecks()
            .AddCheck<PostgresHealthCheck>("postgres", tags: [ReadyTag], timeout: TimeSpan.FromSeconds(5))
            .AddCheck<RabbitMqHealthCheck>("rabbitmq", tags: [ReadyTag], timeout: TimeSpan.FromSeconds(8))
            .AddCheck<OrleansClusterHealthCheck>("orleans", tags: [ReadyTag], timeout: TimeSpan.FromSeconds(8));
        services.AddAccess(configuration);
        services.AddProblemDetails();
        services.AddWebInterface();
        services.AddOpenApi(openApi =>
        {
            openApi.AddOperationTransformer((operation, context, _) =>
            {
                UploadEndpoints.DescribeUploadBody(operation, context);
                return Task.CompletedTask;
            });
            openApi.AddDocumentTransformer<ApiKeySecurityDocument>();
        });

        if (string.IsNullOrWhiteSpace(configuration[WebHostDefaults.ServerUrlsKey]))
        {
            var url = configuration[$"{GatewayOptions.SectionName}:{nameof(GatewayOptions.Url)}"];
            builder.WebHost.UseUrls(string.IsNullOrWhiteSpace(url) ? new GatewayOptions().Url : url);
        }
        return builder;
    }

    /// <summary>The gateway's endpoints: the video API (behind API keys), health (live, ready), Prometheus metrics (/metrics) and the OpenAPI document.</summary>
    public static WebApplication MapGateway(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        // Before access: checking a key is part of what a request costs.
        app.UseRequestStageCpu();
        app.UseAccess();
        app.MapOpenApi();
        app.MapPlatformHealth();
        // Open to the scraper, which carries no API key.
        app.MapPrometheusScrapingEndpoint("/metrics").AllowAnonymous();
        // Every /api endpoint is mapped in this group: it needs a key (a viewer's at least) and counts against the key's
        // rate limit. Endpoints that need a higher role say so themselves; health and metrics above stay anonymous.
        var api = app.MapApiGroup();
        api.MapAccessEndpoints();
        api.MapUploadEndpoints();
        api.MapVideoEndpoints();
        api.MapCaptionEndpoints();
        api.MapVideoEventsEndpoint();
        api.MapWebhookEndpoints();
        api.MapWatchlistEndpoints();
        api.MapFlagEndpoints();
        api.MapSearchEndpoints();
        api.MapQuestionEndpoints();
        api.MapCampaignEndpoints();
        api.MapModelEndpoints();
        api.MapCampaignDiff();
        api.MapVideoOriginalEndpoint();
        app.MapWebInterface();
        return app;
    }
}

/// <summary>The gateway application, built the same way by Program.cs and by tests.</summary>
public static class GatewayApp
{
    /// <param name="args">Command-line arguments (also configuration: --Gateway:MaxUploadBytes=...).</param>
    /// <param name="configure">Changes to the builder after the gateway's own wiring (tests replace services here).</param>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            ApplicationName = typeof(GatewayApp).Assembly.GetName().Name,
            // appsettings.json is beside the binary; the configuration's file watcher then watches that folder, not the
            // working folder (the repository under scripts/platform.sh, where the silo writes every clip's files).
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.AddGateway();
        configure?.Invoke(builder);
        var app = builder.Build();
        app.MapGateway();
        return app;
    }
}
