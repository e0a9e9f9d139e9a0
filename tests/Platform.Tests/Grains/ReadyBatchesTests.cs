using System.Threading.Channels;
using VideoCoca.Grains.Videos;

namespace VideoCoca.Platform.Tests.Grains;

/// <summary>How the split groups the clips ffmpeg hands over: what comes within the wait, up to the limit.</summary>
public sealed class ReadyBatchesTests
{
    [Fact(Timeout = 10_000)]
    public async Task ABatchTakesWhatIsReadyUpToTheLimitAndWaitsOnlyForItsFirstItem()
    {
        var source = Channel.CreateUnbounded<int>();
        for (var i = 1; i <= 5; i++) source.Writer.TryWrite(i);
        await using var batches = source.Reader.ReadAllAsync().ReadyBatchesAsync(() => 3, TimeSpan.Zero, TimeProvider.System).GetAsyncEnumerator();

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
        await foreach (var batch in source.ReadyBatchesAsync(() => limits.Dequeue(), TimeSpan.Zero, TimeProvider.System))
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

        await foreach (var batch in Items().ReadyBatchesAsync(() => 8, TimeSpan.Zero, TimeProvider.System))
        {
            Assert.Equal([1], batch);
            // The batch was cut short by an item not yet there: its wait is under way as the consumer stops.
            break;
        }

        Assert.True(disposed);
    }

    [Fact(Timeout = 10_000)]
    public async Task WithinItsWaitABatchTakesTheItemsThatArriveAfterItsFirst()
    {
        var source = Channel.CreateUnbounded<int>();
        source.Writer.TryWrite(1);
        await using var batches = source.Reader.ReadAllAsync().ReadyBatchesAsync(() => 3, TimeSpan.FromHours(1), TimeProvider.System).GetAsyncEnumerator();

        var first = batches.MoveNextAsync();
        // Waiting for more with the first item in hand.
        Assert.False(first.IsCompleted);
        source.Writer.TryWrite(2);
        source.Writer.TryWrite(3);
        source.Writer.TryWrite(4);
        source.Writer.Complete();

        Assert.True(await first);
        Assert.Equal([1, 2, 3], batches.Current);
        // The source's end closes a batch at once, whatever the wait.
        Assert.True(await batches.MoveNextAsync());
        Assert.Equal([4], batches.Current);
        Assert.False(await batches.MoveNextAsync());
    }

    [Fact(Timeout = 10_000)]
    public async Task WhenTheWaitIsOverTheBatchGoesWithWhatItHas()
    {
        var source = Channel.CreateUnbounded<int>();
        source.Writer.TryWrite(1);
        await using var batches = source.Reader.ReadAllAsync().ReadyBatchesAsync(() => 3, TimeSpan.FromMilliseconds(50), TimeProvider.System).GetAsyncEnumerator();

        // Nothing else comes before the wait ends.
        Assert.True(await batches.MoveNextAsync());
        Assert.Equal([1], batches.Current);

        source.Writer.TryWrite(2);
        source.Writer.Complete();
        Assert.True(await batches.MoveNextAsync());
        Assert.Equal([2], batches.Current);
        Assert.False(await batches.MoveNextAsync());
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
