using VideoCoca.Configuration;
using static TorchSharp.torch;

namespace VideoCoca.Preprocessing;

/// <summary>Turns frames in [0, 1] into the model's input: [B, T, 3, H, W], less the mean, over the standard deviation.</summary>
public sealed class FrameNormalizer(PreprocessConfig config)
{
    private readonly float[] _mean = config.Mean;
    private readonly float[] _std = config.Std;

    public Tensor Normalize(float[] pixels, long batch, long frames, long height, long width)
    {
        // The intermediates are held by the scope, not left to TorchSharp's finalizers (see TensorLifetimes).
        using var scope = NewDisposeScope();
        var x = tensor(pixels).view(batch, frames, 3, height, width);
        var mean = tensor(_mean).view(1, 1, 3, 1, 1);
        var std = tensor(_std).view(1, 1, 3, 1, 1);
        return ((x - mean) / std).MoveToOuterDisposeScope();
    }
}
