using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace VideoCoca.ServiceDefaults.Telemetry;

public static class TelemetryHostingExtensions
{
    /// <summary>
    /// OpenTelemetry for a host, from the <c>Telemetry</c> section: traces of incoming and outgoing HTTP, grain calls,
    /// RabbitMQ messages, SQL statements and the platform's own spans; metrics of the same plus the platform's meters and
    /// the runtime's, read by Prometheus at /metrics; both exported over OTLP when an endpoint is configured. Logs carry
    /// the trace and span ids of what they are part of, and are JSON when Telemetry:JsonLogs is set.
    /// </summary>
    /// <param name="builder">The host.</param>
    /// <param name="defaultServiceName">The host's service.name unless Telemetry:ServiceName says otherwise.</param>
    public static IHostApplicationBuilder AddPlatformTelemetry(this IHostApplicationBuilder builder, string defaultServiceName)
    {
        var section = builder.Configuration.GetSection(TelemetryOptions.SectionName);
        var telemetry = section.Get<TelemetryOptions>() ?? new TelemetryOptions();
        var problems = telemetry.Validate().ToList();
        if (problems.Count > 0)
        {
            throw new OptionsValidationException(TelemetryOptions.SectionName, typeof(TelemetryOptions), problems);
        }
        builder.Services.AddOptions<TelemetryOptions>().Bind(section);
        var serviceName = string.IsNullOrWhiteSpace(telemetry.ServiceName) ? defaultServiceName : telemetry.ServiceName.Trim();

        builder.Logging.Configure(logging => logging.ActivityTrackingOptions =
            ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId | ActivityTrackingOptions.ParentId);
        if (telemetry.JsonLogs)
        {
            builder.Logging.AddJsonConsole(json =>
            {
                json.IncludeScopes = true;
                json.UseUtcTimestamp = true;
                json.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
            });
        }

        ProcessMemoryTelemetry.Register();
        var export = string.IsNullOrWhiteSpace(telemetry.OtlpEndpoint) ? null : telemetry;
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(serviceName, serviceInstanceId: $"{Environment.MachineName}:{Environment.ProcessId}"))
            .WithTracing(tracing =>
            {
                tracing.AddSource(PlatformTelemetry.Prefix + "*", PlatformTelemetry.MassTransit)
                    .AddSource(PlatformTelemetry.Orleans)
                    .AddAspNetCoreInstrumentation(aspNet => aspNet.Filter = context => !IsOperationsPath(context.Request.Path))
                    .AddHttpClientInstrumentation()
                    .AddNpgsql();
                if (export is not null) tracing.AddOtlpExporter(otlp => Configure(otlp, export, "traces"));
                // Nowhere to send them: spans carry their context (across hosts, into the logs) but are not recorded.
                else if (!telemetry.RecordUnexportedSpans) tracing.SetSampler(new ContextOnlySampler());
            })
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(PlatformTelemetry.Prefix + "*", PlatformTelemetry.MassTransit)
                    .AddAspNetCoreInstrumentation()
                    .AddHttpClientInstrumentation()
                    .AddRuntimeInstrumentation()
                    .AddNpgsqlInstrumentation()
                    .AddPrometheusExporter();
                if (export is not null) metrics.AddOtlpExporter(otlp => Configure(otlp, export, "metrics"));
            });
        return builder;
    }

    /// <summary>Scrapes and health probes come every few seconds: as spans they would bury the requests that matter.</summary>
    public static bool IsOperationsPath(PathString path) =>
        path.StartsWithSegments("/metrics") || path.StartsWithSegments("/health");

    private static void Configure(OtlpExporterOptions otlp, TelemetryOptions telemetry, string signal)
    {
        var endpoint = telemetry.OtlpEndpoint.Trim().TrimEnd('/');
        if (telemetry.OtlpProtocol == TelemetryOptions.Grpc)
        {
            otlp.Protocol = OtlpExportProtocol.Grpc;
            otlp.Endpoint = new Uri(endpoint);
        }
        else
        {
            // An endpoint set in code is taken as the signal's full URL: the exporter appends nothing to it.
            otlp.Protocol = OtlpExportProtocol.HttpProtobuf;
            otlp.Endpoint = new Uri($"{endpoint}/v1/{signal}");
        }
    }
}
