using Microsoft.Extensions.Diagnostics.HealthChecks;
using VideoCoca.GpuWorkers.Model;

namespace VideoCoca.GpuWorkers.Health;

/// <summary>The model is loaded and its version registered: the worker can analyse clips.</summary>
public sealed class ModelReadyCheck(ModelRuntime runtime) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(runtime.VersionId > 0
            ? HealthCheckResult.Healthy($"model {runtime.VersionName} loaded on {runtime.DeviceName}")
            : HealthCheckResult.Unhealthy("the model is not loaded yet"));
}
