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

/// <summary>The modules' weights made as <see cref="WeightInitialisation"/> says, in the number format <see cref="Type"/> says.</summary>
internal static class NewWeights
{
    // Per thread, not torch's process-wide default dtype: a model built in bfloat16 must not change the tensors that
    // other threads (a worker's other services, tests running side by side) make meanwhile.
    [ThreadStatic] private static ScalarType? _type;

    /// <summary>The number format of weights made on this thread; null: torch's default.</summary>
    public static ScalarType? Type => _type;

    /// <summary>Weights made on this thread until the result is disposed are of <paramref name="type"/>.</summary>
    public static IDisposable MadeIn(ScalarType type)
    {
        var before = _type;
        _type = type;
        return new Restore(before);
    }

    private sealed class Restore(ScalarType? before) : IDisposable
    {
        public void Dispose() => _type = before;
    }

    /// <param name="random">How <see cref="WeightInitialisation.Random"/> draws the values.</param>
    public static Parameter Parameter(WeightInitialisation initialisation, Func<Tensor> random, params long[] shape) =>
        new(initialisation == WeightInitialisation.Random ? InType(random()) : empty(shape, dtype: Type));

    /// <summary>A weight made from given values (zeros at start, a fixed table), in <see cref="Type"/>.</summary>
    public static Parameter Parameter(Tensor values) => new(InType(values));

    private static Tensor InType(Tensor t) => Type is { } type && t.dtype != type ? t.to_type(type) : t;

    public static Linear Linear(long inputs, long outputs, WeightInitialisation initialisation, bool hasBias = true)
    {
        if (initialisation == WeightInitialisation.Random) return nn.Linear(inputs, outputs, hasBias, dtype: Type);
        // TorchSharp's Linear draws its weights as it is made: made on the meta device it draws nothing, then gets real memory.
        var linear = nn.Linear(inputs, outputs, hasBias, device: META);
        linear.weight = new Parameter(empty([outputs, inputs], dtype: Type));
        if (hasBias) linear.bias = new Parameter(empty([outputs], dtype: Type));
        return linear;
    }

    public static LayerNorm LayerNorm(long width, double eps) => nn.LayerNorm(width, eps, dtype: Type);

    /// <remarks>
    /// Drawn either way: TorchSharp's Embedding is made in native code, which draws its weights, and one made from a
    /// given tensor (Embedding_from_pretrained) was found to look up other memory than its state dict's weight, so that
    /// a checkpoint loaded into it did not reach its forward pass. Only the tower's second draw is skipped.
    /// </remarks>
    public static Embedding Embedding(long count, long width) => nn.Embedding(count, width, dtype: Type);

    public static Conv2d Conv2d(long inChannels, long outChannels, long kernel, long stride, WeightInitialisation initialisation)
    {
        if (initialisation == WeightInitialisation.Random) return nn.Conv2d(inChannels, outChannels, kernel_size: kernel, stride: stride, bias: false, dtype: Type);
        var conv = nn.Conv2d(inChannels, outChannels, kernel_size: kernel, stride: stride, bias: false, device: META);
        conv.weight = new Parameter(empty([outChannels, inChannels, kernel, kernel], dtype: Type));
        return conv;
    }
}
