using System.Runtime.InteropServices;

namespace VideoCoca.GpuWorkers.Model;

/// <summary>
/// glibc's malloc settings for a worker, applied before the model allocates. A CPU forward pass allocates and frees
/// tensors of megabytes to hundreds of megabytes from whichever thread-pool thread runs the batch. With glibc's
/// defaults each such thread gets an arena of its own, and after the first large free the threshold above which malloc
/// maps memory fresh (and gives it back on free) rises to 32 MB, so most activations land in those arenas and stay
/// there, scattered: a coca_ViT-B-32 worker grew by about 1.3 GB a batch of 8 and held 14.6 GB after nine batches, all
/// of it freed by torch (docs/benchmarks.md, "A B-32 worker's start-up and memory"). Two arenas and a fixed threshold
/// (which also stops it from moving) give large blocks back at once: the same worker peaked at 5.0 GB and returned to
/// 2.1 GB between batches, at the same speed.
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
        catch (EntryPointNotFoundException)
        {
            // Not glibc (musl has no mallopt of these): its own defaults stand.
            return false;
        }
        catch (DllNotFoundException)
        {
            return false;
        }
    }

    [DllImport("libc", EntryPoint = "mallopt")]
    private static extern int mallopt(int parameter, int value);
}
