using static TorchSharp.torch;

namespace VideoCoca.Tests;

public static class TensorAssert
{
    /// <summary>Same shape and every element bit-for-bit equal (TorchSharp's <c>equal</c> is elementwise).</summary>
    public static bool Identical(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();
}
