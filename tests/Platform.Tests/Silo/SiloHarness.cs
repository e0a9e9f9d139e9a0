using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using VideoCoca.Contracts.Api;
using VideoCoca.Contracts.Messages;
using VideoCoca.GrainInterfaces;
using VideoCoca.Messaging.Hosting;
using VideoCoca.Platform.Tests.Infrastructure;
using VideoCoca.Silo.Hosting;

namespace VideoCoca.Platform.Tests.Silo;

/// <summary>Builds real silos (the vcp-silo wiring) on the test database and the stack's RabbitMQ, and a bus that watches what they publish.</summary>
public sealed class SiloHarness(StackFixture stack, string blobRoot)
{
    public string ClusterId { get; } = $"silo-tests-{Guid.NewGuid():N}";

    public string BlobRoot { get; } = blobRoot;

    /// <summary>A silo host as Program.cs builds it, with test settings on top; <paramref name="holdAfterClips"/> is Ingest:HoldAfterClips.</summary>
    public IHost BuildSilo(int holdAfterClips = 0)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Postgres:ConnectionString"] = stack.ConnectionString,
            ["RabbitMq:Url"] = stack.RabbitMqUrl,
            ["Orleans:ClusterId"] = ClusterId,
            ["Orleans:ServiceId"] = ClusterId,
            ["Orleans:SiloPort"] = FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Orleans:GatewayPort"] = FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Ingest:BlobRoot"] = BlobRoot,
            ["Ingest:ReminderPeriod"] = "00:00:05",
            ["Ingest:HoldAfterClips"] = holdAfterClips.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        builder.Logging.AddConsole().SetMinimumLevel(LogLevel.Warning);
        builder.Logging.AddFilter("VideoCoca", LogLevel.Information);
        builder.AddVideoCocaSilo();
        return builder.Build();
    }

    /// <summary>A bus of the test's own: collects every AnalyzeClip on a temporary queue and publishes workers' messages.</summary>
    public async Task<BusProbe> StartProbeAsync()
    {
        var sink = new AnalyzeClipSink();
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["RabbitMq:Url"] = stack.RabbitMqUrl });
        builder.Logging.AddConsole().SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddSingleton(sink);
        builder.Services.AddPlatformMessaging(builder.Configuration, bus =>
            bus.AddConsumer<AnalyzeClipCollector>().Endpoint(endpoint =>
            {
                endpoint.Name = $"silo-tests-{Guid.NewGuid():N}";
                endpoint.Temporary = true;
            }));
        var host = builder.Build();
        await host.StartAsync();
        return new BusProbe(host, sink);
    }

    public async Task<int> CountClipRowsAsync(Guid videoId)
    {
        await using var connection = new NpgsqlConnection(stack.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT count(*) FROM clips WHERE video_id = @id", connection);
        command.Parameters.AddWithValue("id", videoId);
        return Convert.ToInt32(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    public async Task<List<ClipRow>> ClipRowsAsync(Guid videoId)
    {
        await using var connection = new NpgsqlConnection(stack.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT id, index, start_seconds, end_seconds, frames_path, thumbnail_path, state FROM clips WHERE video_id = @id ORDER BY index", connection);
        command.Parameters.AddWithValue("id", videoId);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<ClipRow>();
        while (await reader.ReadAsync())
        {
            rows.Add(new ClipRow(reader.GetGuid(0), reader.GetInt32(1), reader.GetDouble(2), reader.GetDouble(3),
                reader.IsDBNull(4) ? null : reader.GetString(4), reader.IsDBNull(5) ? null : reader.GetString(5), reader.GetString(6)));
        }
        return rows;
    }

    /// <summary>Sets a clip row's state as a worker does when it stores results or gives up on the clip.</summary>
    public async Task SetClipStateAsync(Guid clipId, string state, string? error)
    {
        await using var connection = new NpgsqlConnection(stack.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("UPDATE clips SET state = @state, error = @error WHERE id = @id", connection);
        command.Parameters.AddWithValue("state", state);
        command.Parameters.AddWithValue("error", (object?)error ?? DBNull.Value);
        command.Parameters.AddWithValue("id", clipId);
        Assert.Equal(1, await command.ExecuteNonQueryAsync());
    }

    public async Task<VideoRowView?> VideoRowAsync(Guid videoId)
    {
        await using var connection = new NpgsqlConnection(stack.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT state, error, duration_seconds, clips_total, clips_done, clips_failed FROM videos WHERE id = @id", connection);
        command.Parameters.AddWithValue("id", videoId);
        await using var reader = await command.ExecuteReaderAsync();
        if (!await reader.ReadAsync()) return null;
        return new VideoRowView(reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1),
            reader.IsDBNull(2) ? null : reader.GetDouble(2), reader.GetInt32(3), reader.GetInt32(4), reader.GetInt32(5));
    }

    /// <summary>Polls the grain until its snapshot satisfies <paramref name="done"/>.</summary>
    public static async Task<VideoSnapshot> WaitForAsync(IVideoGrain grain, Func<VideoSnapshot, bool> done, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var snapshot = await grain.GetSnapshotAsync();
            if (done(snapshot)) return snapshot;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Video {snapshot.VideoId} stuck at {snapshot}");
            await Task.Delay(200);
        }
    }

    public static bool IsSettled(VideoSnapshot snapshot) =>
        snapshot.State is VideoState.Analysing or VideoState.Completed or VideoState.CompletedWithErrors or VideoState.Failed;

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

public sealed record ClipRow(Guid Id, int Index, double Start, double End, string? FramesPath, string? ThumbnailPath, string State);

public sealed record VideoRowView(string State, string? Error, double? Duration, int ClipsTotal, int ClipsDone, int ClipsFailed);

public sealed class AnalyzeClipSink
{
    public ConcurrentQueue<AnalyzeClip> Messages { get; } = new();

    public IReadOnlyList<AnalyzeClip> For(Guid videoId) => Messages.Where(m => m.VideoId == videoId).ToList();
}

public sealed class AnalyzeClipCollector(AnalyzeClipSink sink) : IConsumer<AnalyzeClip>
{
    public Task Consume(ConsumeContext<AnalyzeClip> context)
    {
        sink.Messages.Enqueue(context.Message);
        return Task.CompletedTask;
    }
}

public sealed class BusProbe(IHost host, AnalyzeClipSink sink) : IAsyncDisposable
{
    public AnalyzeClipSink Sink { get; } = sink;

    public IBus Bus => host.Services.GetRequiredService<IBus>();

    /// <summary>Waits until <paramref name="count"/> AnalyzeClip messages of the video have arrived.</summary>
    public async Task<IReadOnlyList<AnalyzeClip>> WaitForClipsAsync(Guid videoId, int count, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (Sink.For(videoId).Count < count)
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"{Sink.For(videoId).Count} of {count} AnalyzeClip messages for {videoId}");
            await Task.Delay(100);
        }
        return Sink.For(videoId);
    }

    public async ValueTask DisposeAsync()
    {
        await host.StopAsync();
        host.Dispose();
    }
}
