using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace VideoCoca.ServiceDefaults.Operations;

/// <summary>PostgreSQL answers a query.</summary>
public sealed class PostgresReadyCheck(Func<string> connectionString) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var connection = new NpgsqlConnection(connectionString());
            await connection.OpenAsync(cancellationToken);
            await using var command = new NpgsqlCommand("SELECT 1", connection);
            await command.ExecuteScalarAsync(cancellationToken);
            return HealthCheckResult.Healthy("PostgreSQL answers");
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return HealthCheckResult.Unhealthy($"PostgreSQL does not answer: {e.Message}");
        }
    }
}
