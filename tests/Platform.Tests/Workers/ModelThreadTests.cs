using VideoCoca.Contracts.Diagnostics;
using VideoCoca.GpuWorkers.Model;

namespace VideoCoca.Platform.Tests.Workers;

/// <summary>The worker's model thread: every pass on the same thread, the caller's context with it, failures back to the caller.</summary>
public sealed class ModelThreadTests
{
    [Fact]
    public async Task PassesFromDifferentCallersAllRunOnOneThreadThatIsNoneOfTheirs()
    {
        using var model = new ModelThread();
        var callers = Enumerable.Range(0, 8).Select(_ => Task.Run(() => model.RunAsync(() => Environment.CurrentManagedThreadId))).ToList();
        var threads = await Task.WhenAll(callers);

        Assert.Single(threads.Distinct());
        Assert.NotEqual(Environment.CurrentManagedThreadId, threads[0]);
        // Called from the model thread itself, work runs in place instead of queueing behind the caller.
        Assert.Equal(threads[0], await model.RunAsync(() => model.RunAsync(() => Environment.CurrentManagedThreadId).Result));
    }

    [Fact]
    public async Task TheCallersStageAndAsyncLocalsFlowToTheModelThread()
    {
        using var model = new ModelThread();
        var local = new AsyncLocal<string>();
        local.Value = "caller's";
        using var stage = StageCpu.Enter("model forward pass");

        var seen = await model.RunAsync(() => (local.Value, StageCpu.CurrentStage));

        Assert.Equal(("caller's", "model forward pass"), seen);
    }

    [Fact]
    public async Task AFailingPassFailsItsCallerAndTheThreadGoesOn()
    {
        using var model = new ModelThread();

        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => model.RunAsync<int>(() => throw new InvalidOperationException("out of memory")));

        Assert.Equal("out of memory", failure.Message);
        Assert.Equal(42, await model.RunAsync(() => 42));
    }
}
