using System.Diagnostics;
using VideoCoca.Contracts.Diagnostics;

namespace VideoCoca.Platform.Tests.Diagnostics;

/// <summary>
/// The per-stage CPU account behind <c>vcp bench pipeline</c>: a stage is charged the CPU its flow spends on whichever
/// threads its continuations run on, not the time it waits, and a stage entered inside another takes its share away.
/// </summary>
public sealed class StageCpuTests
{
    [Fact]
    public async Task AFlowIsChargedItsCpuAcrossThreadsButNotItsWaits()
    {
        if (!OperatingSystem.IsLinux()) return; // thread CPU time is read on Linux only
        var outer = $"test.outer {Guid.NewGuid():N}";
        var inner = $"test.inner {Guid.NewGuid():N}";
        using (StageCpu.Enter(outer))
        {
            for (var i = 0; i < 4; i++)
            {
                Spin(TimeSpan.FromMilliseconds(50));
                // Continues wherever the test framework schedules it, often on another thread.
                await Task.Delay(100);
            }
            using (StageCpu.Enter(inner))
            {
                Spin(TimeSpan.FromMilliseconds(100));
                await Task.Delay(200);
            }
        }
        // Left the stage: nothing more is charged to it.
        var charged = StageCpu.Snapshot();
        Spin(TimeSpan.FromMilliseconds(50));
        var later = StageCpu.Snapshot();

        // 4 x 50 ms of spinning (each at most 50 ms of CPU, less when the machine is busy), none of the 600 ms of waiting.
        Assert.InRange(charged[outer], 0.02, 0.3);
        Assert.InRange(charged[inner], 0.005, 0.15);
        Assert.Equal(charged[outer], later[outer]);
        Assert.Equal(charged[inner], later[inner]);
    }

    [Fact]
    public void WorkOnThreadsTheFlowDoesNotReachIsAddedByHand()
    {
        var stage = $"test.by-hand {Guid.NewGuid():N}";
        StageCpu.Add(stage, TimeSpan.FromMilliseconds(30));
        StageCpu.Add(stage, TimeSpan.FromMilliseconds(-5));
        Assert.Equal(0.03, StageCpu.Snapshot()[stage], 6);
    }

    /// <summary>Busy for <paramref name="wall"/> of wall-clock time (its CPU is at most that).</summary>
    private static void Spin(TimeSpan wall)
    {
        var watch = Stopwatch.StartNew();
        var x = 0.0;
        while (watch.Elapsed < wall) x += Math.Sqrt(x + 1);
        GC.KeepAlive(x);
    }
}
