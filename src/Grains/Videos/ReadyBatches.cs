using System.Runtime.CompilerServices;

namespace VideoCoca.Grains.Videos;

/// <summary>Groups what a source has ready into batches, without waiting for more than the first item of each.</summary>
public static class ReadyBatches
{
    /// <summary>
    /// Each batch holds the next item and then those that follow at once (already produced, so their move completes
    /// synchronously), up to <paramref name="limit"/> (asked before each batch, at least 1). A batch that reaches the
    /// limit leaves the source untouched until the next batch is asked for; one cut short by an item not yet ready
    /// leaves that item's wait running. A slow source gives batches of one, a fast one full batches.
    /// </summary>
    public static async IAsyncEnumerable<List<T>> ReadyBatchesAsync<T>(
        this IAsyncEnumerable<T> source, Func<int> limit, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var items = source.GetAsyncEnumerator(stop.Token);
        // The one move of the source under way and not yet awaited, if any.
        ValueTask<bool>? waiting = null;
        try
        {
            waiting = items.MoveNextAsync();
            while (waiting is { } next)
            {
                waiting = null;
                if (!await next) break;
                var batch = new List<T> { items.Current };
                var most = Math.Max(1, limit());
                var ended = false;
                while (batch.Count < most)
                {
                    var move = items.MoveNextAsync();
                    if (!move.IsCompleted)
                    {
                        waiting = move;
                        break;
                    }
                    if (!move.Result)
                    {
                        ended = true;
                        break;
                    }
                    batch.Add(items.Current);
                }
                yield return batch;
                if (ended) break;
                waiting ??= items.MoveNextAsync();
            }
        }
        finally
        {
            // A consumer that stops early may leave a move running: the source must not be disposed under it.
            if (waiting is { } running)
            {
                await stop.CancelAsync();
                try
                {
                    await running;
                }
                catch (Exception)
                {
                    // Whatever it ends with now comes of being stopped; the consumer's own reason stands.
                }
            }
            await items.DisposeAsync();
        }
    }
}
