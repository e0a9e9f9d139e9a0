using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace VideoCoca.Modules;

/// <summary>How a new model's weights start.</summary>
public enum WeightInitialisation
{
    /// <summary>open_clip's random initialisation, drawn from torch's generator (a seed makes it reproducible).</summary>
    Random,

    /// <summary>
    /// Allocated and left as they are: for a model whose every weight a checkpoint overwrites next. Loading a B-32
    /// model then draws no random numbers (about 400 million otherwise, several passes over 1 GB) and touches each
    /// weight's memory once, when the checkpoint is copied in.
    /// </summary>
    None,
}

/// <summary>The modules' weights made as <see cref="WeightInitialisation"/> says.</summary>
internal static class NewWeights
{
    /// <param name="random">How <see cref="WeightInitialisation.Random"/> draws the values.</param>
    public static Parameter Parameter(WeightInitialisation initialisation, Func<Tensor> random, params long[] shape) =>
        new(initialisation == WeightInitialisation.Random ? random() : empty(shape));

    public static Linear Linear(long inputs, long outputs, WeightInitialisation initialisation, bool hasBias = true)
    {
        if (initialisation == WeightInitialisation.Random) return nn.Linear(inputs, outputs, hasBias);
        // TorchSharp's Linear draws its weights as it is made: made on the meta device it draws nothing, then gets real memory.
        var linear = nn.Linear(inputs, outputs, hasBias, device: META);
        linear.weight = new Parameter(empty(outputs, inputs));
        if (hasBias) linear.bias = new Parameter(empty(outputs));
        return linear;
    }

    /// <remarks>
    /// Drawn either way: TorchSharp's Embedding is made in native code, which draws its weights, and one made from a
    /// given tensor (Embedding_from_pretrained) was found to look up other memory than its state dict's weight, so that
    /// a checkpoint loaded into it did not reach its forward pass. Only the tower's second draw is skipped.
    /// </remarks>
    public static Embedding Embedding(long count, long width) => nn.Embedding(count, width);

    public static Conv2d Conv2d(long inChannels, long outChannels, long kernel, long stride, WeightInitialisation initialisation)
    {
        if (initialisation == WeightInitialisation.Random) return nn.Conv2d(inChannels, outChannels, kernel_size: kernel, stride: stride, bias: false);
        var conv = nn.Conv2d(inChannels, outChannels, kernel_size: kernel, stride: stride, bias: false, device: META);
        conv.weight = new Parameter(empty(outChannels, inChannels, kernel, kernel));
        return conv;
    }
}
