using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;

namespace VideoCoca.ServiceDefaults.Operations;

/// <summary>
/// A small Kestrel listener beside a generic host (the silo, the worker) with the gateway's operations endpoints:
/// /metrics (Prometheus), /health/live and /health/ready. It is an application of its own, so the host keeps its
/// generic builder, and it reads the host's meter provider and health checks rather than making its own.
/// </summary>
public sealed class OperationsEndpoint(IServiceProvider host, IOptions<OperationsOptions> options, ILogger<OperationsEndpoint> logger) : IHostedService, IAsyncDisposable
{
    private WebApplication? _app;

    /// <summary>Where it listens once started (the configured URL with the port Kestrel bound); null when off.</summary>
    public Uri? Address { get; private set; }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var url = options.Value.Url;
        if (string.IsNullOrWhiteSpace(url)) return;
        // Its content root is the binary's folder, not the working directory: a builder watches its content root, folders
        // and all, for appsettings changes, and started from the repository root that was the platform's whole data (the
        // database's files, every clip's frames): a watcher thread woken by every write the platform made.
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.WebHost.UseUrls(url.Trim());
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(host.GetRequiredService<HealthCheckService>());
        var meters = host.GetRequiredService<MeterProvider>();
        _app = builder.Build();
        _app.MapPrometheusScrapingEndpoint("/metrics", meters, configureBranchedPipeline: null, optionsName: null);
        _app.MapPlatformHealth();
        await _app.StartAsync(cancellationToken);
        var bound = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault() ?? url;
        Address = new Uri(bound);
        logger.LogInformation("Operations endpoint on {Url}: /metrics, /health/live, /health/ready", bound);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_app is not null) await _app.StopAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null) await _app.DisposeAsync();
    }
}

public static class OperationsHostingExtensions
{
    /// <summary>
    /// The operations endpoint (section <c>Operations</c>) and the health checks it reports; the host adds its own
    /// checks to the returned builder, tagging those that decide readiness with <see cref="HealthEndpoints.ReadyTag"/>.
    /// </summary>
    public static IHealthChecksBuilder AddOperationsEndpoint(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<OperationsOptions>().Bind(builder.Configuration.GetSection(OperationsOptions.SectionName));
        builder.Services.AddSingleton<OperationsEndpoint>();
        builder.Services.AddHostedService(provider => provider.GetRequiredService<OperationsEndpoint>());
        return builder.Services.AddHealthChecks();
    }
}
