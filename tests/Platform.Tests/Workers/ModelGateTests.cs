using VideoCoca.GpuWorkers.Model;

namespace VideoCoca.Platform.Tests.Workers;

/// <summary>The worker's model gate: one holder at a time, work someone waits for ahead of a campaign's.</summary>
public sealed class ModelGateTests
{
    [Fact]
    public async Task AnUploadBatchThatArrivesLaterStillGoesBeforeQueuedCampaignBatches()
    {
        var gate = new ModelGate();
        var order = new List<string>();
        var running = await gate.EnterAsync(background: true);
        var campaign1 = Take(gate, background: true, "campaign 1", order);
        var campaign2 = Take(gate, background: true, "campaign 2", order);
        var upload = Take(gate, background: false, "upload", order);
        Assert.False(campaign1.IsCompleted || campaign2.IsCompleted || upload.IsCompleted);

        running.Dispose();
        await Task.WhenAll(campaign1, campaign2, upload);

        Assert.Equal(["upload", "campaign 1", "campaign 2"], order);
        Assert.False(gate.IsHeld);
    }

    [Fact]
    public async Task AWaiterThatGivesUpLeavesTheLineAndTheNextOneGetsTheModel()
    {
        var gate = new ModelGate();
        var running = await gate.EnterAsync();
        using var giveUp = new CancellationTokenSource();
        var cancelled = gate.EnterAsync(cancellationToken: giveUp.Token);
        var next = gate.EnterAsync(background: true);

        await giveUp.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        Assert.False(next.IsCompleted);
        running.Dispose();
        (await next).Dispose();
        Assert.False(gate.IsHeld);
    }

    [Fact]
    public async Task ReleasingTwiceFreesTheModelOnce()
    {
        var gate = new ModelGate();
        var first = await gate.EnterAsync();
        var second = gate.EnterAsync();
        first.Dispose();
        var holder = await second;
        first.Dispose();
        Assert.True(gate.IsHeld);
        holder.Dispose();
        Assert.False(gate.IsHeld);
    }

    private static async Task Take(ModelGate gate, bool background, string name, List<string> order)
    {
        using (await gate.EnterAsync(background))
        {
            lock (order) order.Add(name);
        }
    }
}
