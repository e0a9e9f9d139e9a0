using VideoCoca.GrainInterfaces;

namespace VideoCoca.Gateway.Cluster;

/// <summary>What the gateway asks of the video grains (a seam tests can replace).</summary>
public interface IVideoGrains
{
    /// <summary>Starts the ingest of an uploaded video; idempotent.</summary>
    Task<VideoSnapshot> StartAsync(Guid videoId, IngestRequest request);

    /// <summary>Stops the video's work and removes its files, rows and state.</summary>
    Task DeleteAsync(Guid videoId);

    /// <summary>Queues the finished video's failed clips again, or says why not.</summary>
    Task<ClipRetry> RetryFailedClipsAsync(Guid videoId);
}

/// <summary>The video grains through the gateway's Orleans client.</summary>
public sealed class OrleansVideoGrains(ClusterClientHost cluster) : IVideoGrains
{
    public Task<VideoSnapshot> StartAsync(Guid videoId, IngestRequest request) =>
        Call(() => cluster.RequireClient().GetGrain<IVideoGrain>(videoId).StartAsync(request));

    public Task DeleteAsync(Guid videoId) =>
        Call(async () =>
        {
            await cluster.RequireClient().GetGrain<IVideoGrain>(videoId).DeleteAsync();
            return true;
        });

    public Task<ClipRetry> RetryFailedClipsAsync(Guid videoId) =>
        Call(() => cluster.RequireClient().GetGrain<IVideoGrain>(videoId).RetryFailedClipsAsync());

    private static Task<T> Call<T>(Func<Task<T>> call) => ClusterCalls.InvokeAsync(call);
}

/// <summary>Grain calls as the gateway makes them: a cluster that does not answer becomes <see cref="ClusterUnavailableException"/> (a 503).</summary>
public static class ClusterCalls
{
    public static async Task<T> InvokeAsync<T>(Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (Exception e) when (e is SiloUnavailableException or OrleansMessageRejectionException or TimeoutException)
        {
            throw new ClusterUnavailableException($"the processing cluster did not answer ({e.GetType().Name}); try again shortly", e);
        }
    }
}
