using System.Runtime.InteropServices;

namespace VideoCoca.GpuWorkers.Model;

/// <summary>
/// glibc's malloc settings for a worker, applied before the model allocates, and a trim after each batch. A CPU
/// forward pass allocates and frees tensors of megabytes to hundreds of megabytes from whichever thread-pool thread runs
/// the batch. With glibc's defaults each such thread gets an arena of its own and freed activations stay in them: a
/// coca_ViT-B-32 worker grew by about 1.3 GB a batch of 8 and held 14.6 GB after nine batches, all of it freed by
/// torch (docs/benchmarks.md, "A B-32 worker's start-up and memory"). Two arenas bound how many heaps hold memory; a
/// trim after each batch gives their free pages back (5.1 GB at the peak, against 13 GB without it). A fixed mmap
/// threshold (128 KiB) bounds memory as well, but maps every activation fresh, and the page faults of a batch's
/// hundreds of steps cost the pipeline more than one trim a batch does: it stays available as a setting.
/// </summary>
public static class NativeAllocator
{
    // mallopt's parameter numbers (malloc.h).
    private const int MallocMmapThreshold = -3;
    private const int MallocArenaMax = -8;

    /// <summary>Sets what is not 0; false where this is not glibc on Linux or glibc refused a value.</summary>
    public static bool Apply(int arenas, int mmapThresholdBytes)
    {
        if (!OperatingSystem.IsLinux()) return false;
        try
        {
            var applied = true;
            if (arenas > 0) applied &= mallopt(MallocArenaMax, arenas) == 1;
            if (mmapThresholdBytes > 0) applied &= mallopt(MallocMmapThreshold, mmapThresholdBytes) == 1;
            return applied;
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            // Not glibc (musl has no mallopt of these): its own defaults stand.
            return false;
        }
    }

    /// <summary>
    /// Gives the free pages of every arena back to the system (glibc's malloc_trim): called after a batch, when its
    /// activations are freed, it bounds what the worker holds between batches, and the next batch page-faults its
    /// memory in once instead of at every fresh mapping. False where this is not glibc.
    /// </summary>
    public static bool Trim()
    {
        if (!OperatingSystem.IsLinux()) return false;
        try
        {
            return malloc_trim(0) == 1;
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            return false;
        }
    }

    [DllImport("libc", EntryPoint = "mallopt")]
    private static extern int mallopt(int parameter, int value);

    [DllImport("libc", EntryPoint = "malloc_trim")]
    private static extern int malloc_trim(nuint pad);
}
