using System.Runtime.CompilerServices;

namespace VideoCoca.Grains.Videos;

/// <summary>Groups what a source has ready into batches, waiting a bounded time for more after the first item of each.</summary>
public static class ReadyBatches
{
    /// <summary>
    /// Each batch holds the next item and then those that follow within <paramref name="gather"/> of it (those already
    /// produced at once), up to <paramref name="limit"/> (asked before each batch, at least 1). A batch that reaches the
    /// limit leaves the source untouched until the next batch is asked for; one cut short by the time leaves the wait for
    /// its next item running. <see cref="TimeSpan.Zero"/> takes only what is ready at once.
    /// </summary>
    public static async IAsyncEnumerable<List<T>> ReadyBatchesAsync<T>(
        this IAsyncEnumerable<T> source, Func<int> limit, TimeSpan gather, TimeProvider clock,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
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
                var started = clock.GetTimestamp();
                var ended = false;
                while (batch.Count < most)
                {
                    var move = items.MoveNextAsync();
                    if (!move.IsCompleted)
                    {
                        var left = gather - clock.GetElapsedTime(started);
                        if (left <= TimeSpan.Zero)
                        {
                            waiting = move;
                            break;
                        }
                        var arriving = move.AsTask();
                        if (!await CompletesWithinAsync(arriving, left, clock, stop.Token))
                        {
                            waiting = new ValueTask<bool>(arriving);
                            break;
                        }
                        move = new ValueTask<bool>(arriving);
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

    private static async Task<bool> CompletesWithinAsync(Task task, TimeSpan time, TimeProvider clock, CancellationToken cancellationToken)
    {
        using var timer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var elapsed = Task.Delay(time, clock, timer.Token);
        var first = await Task.WhenAny(task, elapsed);
        // The timer of a wait that the item won is not left running.
        await timer.CancelAsync();
        return first == task;
    }
}
