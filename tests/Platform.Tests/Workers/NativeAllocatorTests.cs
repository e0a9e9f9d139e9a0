using VideoCoca.GpuWorkers.Model;

namespace VideoCoca.Platform.Tests.Workers;

/// <summary>The worker's malloc settings reach glibc: were the call lost (a library name that does not resolve), a B-32 worker would grow by a gigabyte a batch again.</summary>
public sealed class NativeAllocatorTests
{
    [Fact]
    public void GlibcTakesTheWorkersArenasAndMmapThreshold()
    {
        Assert.True(NativeAllocator.Apply(arenas: 2, mmapThresholdBytes: 128 * 1024), "mallopt refused the worker's settings or could not be called");
    }

    [Fact]
    public void ZeroKeepsGlibcsDefaults()
    {
        // Nothing to set: nothing is called, and nothing is refused.
        Assert.Equal(OperatingSystem.IsLinux(), NativeAllocator.Apply(arenas: 0, mmapThresholdBytes: 0));
    }
}
