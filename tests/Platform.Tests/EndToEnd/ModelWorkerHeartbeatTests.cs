using Npgsql;
using VideoCoca.Platform.Tests.Infrastructure;

namespace VideoCoca.Platform.Tests.EndToEnd;

/// <summary>
/// GET /api/models counts the workers running a version now: a worker counts once it has beaten, goes on counting while
/// it beats, and stops counting once it has been silent for three heartbeat periods (killed: its row is left behind).
/// One-second heartbeats on the worker and the gateway alike; a database of its own, so no other class's workers count.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class ModelWorkerHeartbeatTests(PrivateStackFixture own) : IClassFixture<PrivateStackFixture>
{
    private const string Version = "heartbeat";
    private static readonly TimeSpan Period = TimeSpan.FromSeconds(1);

    [Fact(Timeout = 300_000)]
    public async Task AWorkerCountsWhileItsHeartbeatIsFreshAndNotAfterItIsKilled()
    {
        await using var platform = new RunningPlatform(own.Stack, "heartbeat");
        platform.StartSilo("silo");
        platform.StartGateway(settings: new Dictionary<string, string> { ["Models__WorkerHeartbeatPeriod"] = "00:00:01" });
        await platform.CheckAsync(async () =>
        {
            await platform.WaitUntilReadyAsync();
            Assert.Empty((await platform.ModelsAsync()).Versions);
            var worker = platform.StartWorker("worker", new Dictionary<string, string>
            {
                ["Worker__ModelVersion"] = Version,
                ["Worker__HeartbeatPeriod"] = "00:00:01",
            });
            await platform.WaitUntilReadyAsync();
            await WaitForWorkersAsync(platform, 1, TimeSpan.FromSeconds(10));

            // Longer than three periods later it still counts: its heartbeat is renewed, not written once.
            await Task.Delay(Period * 5);
            Assert.Equal(1, await WorkersAsync(platform));

            await worker.CrashAsync();
            Assert.Equal(1L, await HeartbeatRowsAsync(own.Stack));
            await WaitForWorkersAsync(platform, 0, TimeSpan.FromSeconds(15));
            // Left out because its heartbeat is stale, not because its row went: a killed worker removes nothing.
            Assert.Equal(1L, await HeartbeatRowsAsync(own.Stack));
            var version = Assert.Single((await platform.ModelsAsync()).Versions);
            Assert.Equal((Version, true, 0), (version.Name, version.Active, version.Workers));
        });
    }

    private static async Task<int> WorkersAsync(RunningPlatform platform) =>
        (await platform.ModelsAsync()).Versions.SingleOrDefault(v => v.Name == Version)?.Workers ?? -1;

    private static async Task WaitForWorkersAsync(RunningPlatform platform, int expected, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        int seen;
        while ((seen = await WorkersAsync(platform)) != expected)
        {
            Assert.True(DateTime.UtcNow < deadline, $"GET /api/models counted {seen} workers of {Version} after {timeout.TotalSeconds:F0} s; expected {expected}");
            await Task.Delay(200);
        }
    }

    private static async Task<long> HeartbeatRowsAsync(StackFixture stack)
    {
        await using var connection = new NpgsqlConnection(stack.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT count(*) FROM model_workers", connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
