using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using VideoCoca.GpuWorkers.Hosting;

namespace VideoCoca.GpuWorkers.Analysis;

/// <summary>
/// The <see cref="WorkerOptions.HoldAfterStoredResults"/> test hook: counts the results this worker has stored, and once
/// there are that many, holds the batch that would store the next one, before it does, without acknowledging any of its
/// messages. A test can then kill the worker at exactly that point: so many results stored, the held batch's messages
/// taken and not acknowledged, at least one of its clips not stored.
/// </summary>
public sealed class StoredResultsHold(IOptions<WorkerOptions> options, ILogger<StoredResultsHold> logger)
{
    private int _stored;

    public void Stored() => Interlocked.Increment(ref _stored);

    /// <summary>Returns at once unless the hook is on and its count of stored results is reached; then never (until cancelled).</summary>
    public async Task HoldBeforeStoringAsync(int storedOfBatch, int clipsOfBatch, CancellationToken cancellationToken)
    {
        var limit = options.Value.HoldAfterStoredResults;
        if (limit <= 0 || Volatile.Read(ref _stored) < limit) return;
        logger.LogWarning(
            "Holding after storing {Stored} results (Worker:HoldAfterStoredResults): {StoredOfBatch} of this batch's {Clips} clips stored, none acknowledged",
            limit, storedOfBatch, clipsOfBatch);
        await Task.Delay(Timeout.InfiniteTimeSpan, cancellationToken);
    }
}
