using System.Threading.Channels;
using VideoCoca.Grains.Videos;

namespace VideoCoca.Platform.Tests.Grains;

/// <summary>How the split groups the clips ffmpeg has ready: what is there at once, up to the limit, never waiting for more.</summary>
public sealed class ReadyBatchesTests
{
    [Fact(Timeout = 10_000)]
    public async Task ABatchTakesWhatIsReadyUpToTheLimitAndWaitsOnlyForItsFirstItem()
    {
        var source = Channel.CreateUnbounded<int>();
        for (var i = 1; i <= 5; i++) source.Writer.TryWrite(i);
        await using var batches = source.Reader.ReadAllAsync().ReadyBatchesAsync(() => 3).GetAsyncEnumerator();

        Assert.True(await batches.MoveNextAsync());
        Assert.Equal([1, 2, 3], batches.Current);
        Assert.True(await batches.MoveNextAsync());
        // Two were ready: the batch does not wait for a third.
        Assert.Equal([4, 5], batches.Current);

        var next = batches.MoveNextAsync();
        Assert.False(next.IsCompleted);
        source.Writer.TryWrite(6);
        source.Writer.Complete();
        Assert.True(await next);
        Assert.Equal([6], batches.Current);
        Assert.False(await batches.MoveNextAsync());
    }

    [Fact(Timeout = 10_000)]
    public async Task TheLimitIsAskedBeforeEachBatchAndAFullBatchLeavesTheSourceAlone()
    {
        var source = new CountingSource(10);
        var limits = new Queue<int>([2, 1, 4]);
        var seen = new List<List<int>>();
        await foreach (var batch in source.ReadyBatchesAsync(() => limits.Dequeue()))
        {
            seen.Add(batch);
            // A full batch is handed over before the source is asked for the next item.
            Assert.Equal(seen.Sum(b => b.Count), source.Moves);
            if (seen.Count == 3) break;
        }

        Assert.Equal([[0, 1], [2], [3, 4, 5, 6]], seen);
        Assert.True(source.Disposed);
    }

    [Fact(Timeout = 10_000)]
    public async Task AConsumerThatStopsWhileAMoveIsUnderWayStopsItAndDisposesTheSource()
    {
        var source = Channel.CreateUnbounded<int>();
        source.Writer.TryWrite(1);
        var disposed = false;
        async IAsyncEnumerable<int> Items([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            try
            {
                await foreach (var item in source.Reader.ReadAllAsync(cancellationToken)) yield return item;
            }
            finally
            {
                disposed = true;
            }
        }

        await foreach (var batch in Items().ReadyBatchesAsync(() => 8))
        {
            Assert.Equal([1], batch);
            // The batch was cut short by an item not yet there: its wait is under way as the consumer stops.
            break;
        }

        Assert.True(disposed);
    }

    /// <summary>Items 0, 1, ... each ready at once, counting the moves asked of it.</summary>
    private sealed class CountingSource(int count) : IAsyncEnumerable<int>
    {
        public int Moves { get; private set; }

        public bool Disposed { get; private set; }

        public IAsyncEnumerator<int> GetAsyncEnumerator(CancellationToken cancellationToken = default) => new Items(this, count);

        private sealed class Items(CountingSource owner, int count) : IAsyncEnumerator<int>
        {
            public int Current { get; private set; } = -1;

            public ValueTask<bool> MoveNextAsync()
            {
                if (Current + 1 >= count) return ValueTask.FromResult(false);
                owner.Moves++;
                Current++;
                return ValueTask.FromResult(true);
            }

            public ValueTask DisposeAsync()
            {
                owner.Disposed = true;
                return ValueTask.CompletedTask;
            }
        }
    }
}
