using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace VideoCoca.ServiceDefaults.Operations;

/// <summary>/health/live (the process answers) and /health/ready (every check tagged <see cref="ReadyTag"/> passes), the same on every host.</summary>
public static class HealthEndpoints
{
    /// <summary>Checks with this tag decide readiness.</summary>
    public const string ReadyTag = "ready";

    /// <summary>Both probes, open to anyone (an orchestrator's probe carries no API key) whatever a host's default authorization.</summary>
    public static IEndpointRouteBuilder MapPlatformHealth(this IEndpointRouteBuilder routes)
    {
        routes.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false, ResponseWriter = WriteAsync }).AllowAnonymous();
        routes.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = check => check.Tags.Contains(ReadyTag), ResponseWriter = WriteAsync }).AllowAnonymous();
        return routes;
    }

    /// <summary>{"status": "Healthy", "checks": {"postgres": {"status": ..., "description": ...}}}.</summary>
    public static Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(JsonSerializer.Serialize(new
        {
            status = report.Status.ToString(),
            checks = report.Entries.ToDictionary(e => e.Key, e => new { status = e.Value.Status.ToString(), description = e.Value.Description }),
        }));
    }
}
