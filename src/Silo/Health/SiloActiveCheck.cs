using Microsoft.Extensions.Diagnostics.HealthChecks;
using Orleans.Runtime;

namespace VideoCoca.Silo.Health;

/// <summary>This silo is active in its cluster's membership: it takes grain calls (a joining or leaving silo does not).</summary>
public sealed class SiloActiveCheck(IClusterMembershipService membership, ILocalSiloDetails local) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var status = membership.CurrentSnapshot.GetSiloStatus(local.SiloAddress);
        return Task.FromResult(status == SiloStatus.Active
            ? HealthCheckResult.Healthy($"silo {local.SiloAddress} is active")
            : HealthCheckResult.Unhealthy($"silo {local.SiloAddress} is {status}, not active"));
    }
}
