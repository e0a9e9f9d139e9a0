using System.Runtime.CompilerServices;

namespace VideoCoca.Tests;

/// <summary>
/// With VCP_TEST_FINALIZER_STRESS=1 the test host collects garbage and runs finalizers without pause on a thread of its
/// own. TorchSharp frees a tensor from its finalizer and does not keep the managed tensor alive across its native calls:
/// a temporary that no dispose scope holds can be freed while an operation still reads it (a crash of the whole test
/// host, seen once in CI). Under this stress, and with DOTNET_TieredCompilation=0 so that every method is compiled with
/// exact lifetimes from its first call, such code crashes at once instead of once in many runs.
/// </summary>
internal static class FinalizerStress
{
    [ModuleInitializer]
    internal static void StartWhenAsked()
    {
        if (Environment.GetEnvironmentVariable("VCP_TEST_FINALIZER_STRESS") != "1") return;
        var thread = new Thread(() =>
        {
            while (true)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
            }
        }) { IsBackground = true, Name = "finalizer stress" };
        thread.Start();
    }
}
