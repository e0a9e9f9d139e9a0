using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace VideoCoca.Modules;

/// <summary>
/// Keys and values of every causal self-attention layer (text tower, then multimodal decoder) for the positions
/// generated so far, and the projected image context: with it each new token costs one position.
/// </summary>
/// <remarks>
/// Each layer's keys and values live in one buffer of <c>capacity</c> positions, allocated at the layer's first step
/// and written in place: growing them by concatenation copied every cached position again at every step (quadratic
/// in the text's length) into freshly allocated memory.
/// </remarks>
public sealed class DecoderCache
{
    private readonly Tensor?[] _keys;
    private readonly Tensor?[] _values;
    private readonly long[] _lengths;
    private readonly long _capacity;

    /// <param name="selfAttentionLayers">Causal self-attention layers, text tower and decoder together.</param>
    /// <param name="imageContext">Per decoder layer, the image tokens' keys and values for cross-attention.</param>
    /// <param name="capacity">Most positions any row will hold (the text context's length).</param>
    public DecoderCache(int selfAttentionLayers, IReadOnlyList<(Tensor Keys, Tensor Values)>? imageContext, long capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _keys = new Tensor?[selfAttentionLayers];
        _values = new Tensor?[selfAttentionLayers];
        _lengths = new long[selfAttentionLayers];
        _capacity = capacity;
        ImageContext = imageContext;
    }

    public IReadOnlyList<(Tensor Keys, Tensor Values)>? ImageContext { get; private set; }

    /// <summary>
    /// Null: every row is its own clip's (the image context has a row per row) and its text starts at column 0. Set:
    /// a joint decode's rows, left-padded texts of several clips over a context of one row per clip.
    /// </summary>
    public DecoderRows? Rows { get; set; }

    /// <summary>Additive mask of the new columns over every column so far, or null when none is needed.</summary>
    public Tensor? SelfAttentionMask(long start, long count, Device device) =>
        Rows is { } rows ? rows.SelfAttentionMask(start, count) : PlainSelfAttentionMask(start, count, device);

    /// <summary>New positions see every cached one and, among themselves, only earlier ones.</summary>
    internal static Tensor? PlainSelfAttentionMask(long start, long count, Device device) =>
        count > 1 ? cat([zeros(count, start, device: device), AttentionMasks.Causal(count, device)], 1) : null;

    /// <summary>[rows, count] positions of the new columns, or null when they are start.. in every row.</summary>
    public Tensor? Positions(long start, long count) => Rows?.Positions(start, count);

    /// <summary>Cross-attention of a decoder layer's queries [rows, heads, n, headDim] over each row's image context.</summary>
    public Tensor AttendImage(int layer, Tensor queries)
    {
        var (keys, values) = (ImageContext ?? throw new InvalidOperationException("the cache holds no image context"))[layer];
        return Rows is { } rows ? rows.AttendImage(queries, keys, values) : F.scaled_dot_product_attention(queries, keys, values);
    }

    public Tensor RunSelfAttention(IReadOnlyList<ResidualAttentionBlock> blocks, Tensor x, long start, int layerOffset)
    {
        for (var i = 0; i < blocks.Count; i++) x = RunSelfAttentionLayer(blocks[i], x, start, layerOffset + i);
        return x;
    }

    public Tensor RunSelfAttentionLayer(ResidualAttentionBlock block, Tensor x, long start, int layer)
    {
        return block.SelfAttendCached(x, this, layer, SelfAttentionMask(start, x.shape[1], x.device));
    }

    /// <summary>
    /// Writes the new positions' keys and values ([rows, heads, new, headDim]) of a layer after its cached ones;
    /// returns every position's so far, views of the layer's buffers ([rows, heads, positions, headDim]).
    /// </summary>
    public (Tensor Keys, Tensor Values) Append(int layer, Tensor keys, Tensor values)
    {
        var start = _lengths[layer];
        var count = keys.shape[2];
        if (start + count > _capacity)
        {
            throw new InvalidOperationException($"the decoder cache holds {_capacity} positions; {start + count} were asked for");
        }
        if (_keys[layer] is null)
        {
            _keys[layer] = empty([keys.shape[0], keys.shape[1], _capacity, keys.shape[3]], keys.dtype, keys.device);
            _values[layer] = empty([values.shape[0], values.shape[1], _capacity, values.shape[3]], values.dtype, values.device);
        }
        _keys[layer]!.narrow(2, start, count).copy_(keys);
        _values[layer]!.narrow(2, start, count).copy_(values);
        _lengths[layer] = start + count;
        return (_keys[layer]!.narrow(2, 0, start + count), _values[layer]!.narrow(2, 0, start + count));
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
            // The buffers are replaced, not written: the step's keeper frees the old ones once they are no longer held.
            _keys[i] = _keys[i]?.index_select(0, rows);
            _values[i] = _values[i]?.index_select(0, rows);
        }
    }

    /// <summary>Every tensor the cache holds now: self-attention key and value buffers, the rows' layout, then the image context's.</summary>
    public IEnumerable<Tensor> Tensors()
    {
        foreach (var t in _keys.Concat(_values)) if (t is not null) yield return t;
        if (Rows is not null) foreach (var t in Rows.Tensors()) yield return t;
        if (ImageContext is null) yield break;
        foreach (var (keys, values) in ImageContext)
        {
            yield return keys;
            yield return values;
        }
    }
}
