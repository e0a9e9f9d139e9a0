using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using Orleans.Configuration;
using VideoCoca.Platform.Tests.Infrastructure;

namespace VideoCoca.Platform.Tests.Orleans;

/// <summary>
/// A real silo on the migrated database, with ADO.NET clustering, grain storage and reminders: the
/// Orleans schema the migrator writes must hold grain state and reminders across a silo restart.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class OrleansSiloTests(StackFixture stack)
{
    public const string StorageName = "platform";
    private const string Invariant = "Npgsql";

    [Fact(Timeout = 180_000)]
    public async Task GrainStateAndRemindersSurviveASiloRestart()
    {
        var clusterId = $"platform-tests-{Guid.NewGuid():N}";
        var guidKey = Guid.NewGuid();

        using (var first = BuildSilo(clusterId))
        {
            await first.StartAsync();
            var grains = first.Services.GetRequiredService<IGrainFactory>();
            var counter = grains.GetGrain<ICounterGrain>("video-a");
            Assert.Equal(2, await counter.Add(2));
            Assert.Equal(5, await counter.Add(3));
            await counter.Remind("checkpoint");
            Assert.Equal(7, await grains.GetGrain<IGuidCounterGrain>(guidKey).Add(7));

            var cleared = grains.GetGrain<ICounterGrain>("video-b");
            await cleared.Add(1);
            await cleared.Reset();
            Assert.Equal(4, await cleared.Add(4));
            await first.StopAsync();
        }

        using (var second = BuildSilo(clusterId))
        {
            await second.StartAsync();
            var grains = second.Services.GetRequiredService<IGrainFactory>();
            var counter = grains.GetGrain<ICounterGrain>("video-a");
            Assert.Equal(5, await counter.Get());
            Assert.Equal(12, await counter.Add(7));
            Assert.Equal(7, await grains.GetGrain<IGuidCounterGrain>(guidKey).Get());
            Assert.Equal(4, await grains.GetGrain<ICounterGrain>("video-b").Get());

            Assert.True(await counter.HasReminder("checkpoint"));
            await counter.Forget("checkpoint");
            Assert.False(await counter.HasReminder("checkpoint"));
            await second.StopAsync();
        }

        // Both incarnations joined through the membership table and left it cleanly (6 is SiloStatus.Dead).
        var statuses = await MembershipStatusesAsync(clusterId);
        Assert.Equal(2, statuses.Count);
        Assert.All(statuses, status => Assert.Equal(6, status));
    }

    private IHost BuildSilo(string clusterId)
    {
        var connectionString = stack.ConnectionString;
        return Host.CreateDefaultBuilder()
            .UseOrleans(silo => silo
                .Configure<ClusterOptions>(options =>
                {
                    options.ClusterId = clusterId;
                    options.ServiceId = "platform-tests";
                })
                .ConfigureEndpoints(IPAddress.Loopback, FreePort(), FreePort(), listenOnAnyHostAddress: false)
                .UseAdoNetClustering(options =>
                {
                    options.Invariant = Invariant;
                    options.ConnectionString = connectionString;
                })
                .AddAdoNetGrainStorage(StorageName, options =>
                {
                    options.Invariant = Invariant;
                    options.ConnectionString = connectionString;
                })
                .UseAdoNetReminderService(options =>
                {
                    options.Invariant = Invariant;
                    options.ConnectionString = connectionString;
                }))
            .ConfigureLogging(logging => logging.SetMinimumLevel(LogLevel.Warning))
            .Build();
    }

    private async Task<List<int>> MembershipStatusesAsync(string clusterId)
    {
        await using var connection = new NpgsqlConnection(stack.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT status FROM orleans_membership WHERE deployment_id = @id", connection);
        command.Parameters.AddWithValue("id", clusterId);
        await using var reader = await command.ExecuteReaderAsync();
        var statuses = new List<int>();
        while (await reader.ReadAsync())
        {
            statuses.Add(reader.GetInt32(0));
        }
        return statuses;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
