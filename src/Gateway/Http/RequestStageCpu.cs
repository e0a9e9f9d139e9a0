using System.Collections.Concurrent;
using VideoCoca.Contracts.Diagnostics;

namespace VideoCoca.Gateway.Http;

/// <summary>
/// Charges each request's CPU time to a stage named after its endpoint (<c>gateway.request POST /api/videos</c>), so that
/// <c>vcp bench pipeline</c> can tell the uploads from the status polls; endpoints refine it with stages of their own.
/// </summary>
public static class RequestStageCpu
{
    private static readonly ConcurrentDictionary<(string Method, string Route), string> Names = new();

    public static IApplicationBuilder UseRequestStageCpu(this IApplicationBuilder app) => app.Use(async (http, next) =>
    {
        using var stage = StageCpu.Enter(StageOf(http));
        await next(http);
    });

    private static string StageOf(HttpContext http)
    {
        var route = (http.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? "(no endpoint)";
        // One string per endpoint: the same instance each time, and no allocation per request.
        return Names.GetOrAdd((http.Request.Method, route), key => $"gateway.request {key.Method} {key.Route}");
    }
}
