using static TorchSharp.torch;

namespace VideoCoca.Modules;

/// <summary>
/// Keys and values of every causal self-attention layer (text tower, then multimodal decoder) for the positions
/// generated so far, and the projected image context: with it each new token costs one position.
/// </summary>
public sealed class DecoderCache
{
    private readonly Tensor?[] _keys;
    private readonly Tensor?[] _values;

    public DecoderCache(int selfAttentionLayers, IReadOnlyList<(Tensor Keys, Tensor Values)>? imageContext)
    {
        _keys = new Tensor?[selfAttentionLayers];
        _values = new Tensor?[selfAttentionLayers];
        ImageContext = imageContext;
    }

    public IReadOnlyList<(Tensor Keys, Tensor Values)>? ImageContext { get; private set; }

    public Tensor RunSelfAttention(IReadOnlyList<ResidualAttentionBlock> blocks, Tensor x, long start, int layerOffset)
    {
        for (var i = 0; i < blocks.Count; i++) x = RunSelfAttentionLayer(blocks[i], x, start, layerOffset + i);
        return x;
    }

    public Tensor RunSelfAttentionLayer(ResidualAttentionBlock block, Tensor x, long start, int layer)
    {
        // New positions see every cached one and, among themselves, only earlier ones.
        var newCount = x.shape[1];
        Tensor? mask = null;
        if (newCount > 1)
        {
            mask = cat([zeros(newCount, start, device: x.device), AttentionMasks.Causal(newCount, x.device)], 1);
        }
        var (output, keys, values) = block.SelfAttendCached(x, _keys[layer], _values[layer], mask);
        _keys[layer] = keys;
        _values[layer] = values;
        return output;
    }

    /// <summary>A self-attention layer's cached keys and values ([rows, heads, positions, headDim]; null before its first step).</summary>
    public (Tensor? Keys, Tensor? Values) Layer(int layer) => (_keys[layer], _values[layer]);

    /// <summary>Replaces a layer's keys and values: for step code that runs the layer's arithmetic itself.</summary>
    public void SetLayer(int layer, Tensor keys, Tensor values)
    {
        _keys[layer] = keys;
        _values[layer] = values;
    }

    /// <summary>Keeps the rows given (beam search reorders and prunes hypotheses between steps).</summary>
    public void Select(Tensor rows)
    {
        SelectSelfAttention(rows);
        if (ImageContext is not null)
        {
            ImageContext = ImageContext.Select(kv => (kv.Keys.index_select(0, rows), kv.Values.index_select(0, rows))).ToList();
        }
    }

    /// <summary>
    /// Keeps the rows given of the self-attention keys and values only, leaving the image context as it is: for
    /// reorderings that stay among rows of the same image context (the beams of one clip), which need not copy it.
    /// </summary>
    public void SelectSelfAttention(Tensor rows)
    {
        for (var i = 0; i < _keys.Length; i++)
        {
            _keys[i] = _keys[i]?.index_select(0, rows);
            _values[i] = _values[i]?.index_select(0, rows);
        }
    }

    /// <summary>Every tensor the cache holds now: self-attention keys and values, then the image context's.</summary>
    public IEnumerable<Tensor> Tensors()
    {
        foreach (var t in _keys.Concat(_values)) if (t is not null) yield return t;
        if (ImageContext is null) yield break;
        foreach (var (keys, values) in ImageContext)
        {
            yield return keys;
            yield return values;
        }
    }
}
