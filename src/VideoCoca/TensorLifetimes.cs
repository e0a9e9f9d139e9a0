using TorchSharp;
using static TorchSharp.torch;

namespace VideoCoca;

/// <summary>
/// How this project keeps TorchSharp's tensors alive while native code reads them. TorchSharp frees a tensor from its
/// finalizer, and its operations do not keep the managed tensors they were given alive through their native calls: a
/// temporary that nothing references (the x in <c>(x - mean) / std</c> once its handle is read) can be finalized, and
/// its memory freed, while a kernel still reads it — a crash of the whole process, seen as a segfault in libtorch's
/// kernels when another thread's allocations start a garbage collection at that moment. So torch work runs inside a
/// dispose scope (<see cref="torch.NewDisposeScope"/>), which references every tensor made in it until it ends: the
/// worker's passes, the trainer's steps and the library's public entry points each open one, and what they return is
/// moved to the caller's scope.
/// </summary>
public static class TensorLifetimes
{
    // TorchSharp turns the 1 of a + b into a Scalar that no scope holds and that can be finalized while the addition
    // reads it (seen under finalizer stress as a wrong scalar type in the decoders' residual additions); this one lives
    // as long as the process.
    private static readonly Scalar One = 1;

    /// <summary>-infinity as a Scalar held for the life of the process: the value of every attention and logits mask.</summary>
    public static Scalar MinusInfinity { get; } = float.NegativeInfinity;

    /// <summary><paramref name="a"/> + <paramref name="b"/>, with a held alpha: for additions on the hot paths.</summary>
    public static Tensor Plus(this Tensor a, Tensor b) => a.add(b, One);

    /// <summary>
    /// Takes a module's own parameters and buffers out of the scope it was built in, so that the scope frees only the
    /// temporaries of building it (random draws, conversions) and the module outlives it, whatever scope its caller had.
    /// </summary>
    public static void KeepModuleTensors(DisposeScope scope, nn.Module module)
    {
        scope.Detach(module.parameters());
        scope.Detach(module.buffers());
    }
}
