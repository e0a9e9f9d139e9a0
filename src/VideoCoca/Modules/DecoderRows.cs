using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace VideoCoca.Modules;

/// <summary>
/// Where each row of a joint decode stands, when rows of texts with prompts of different lengths (a caption, several
/// questions) and of different clips step together: each row's text is left-padded to the longest prompt, so the
/// rows' new tokens share a cache column, and each row reads its own clip's image context.
/// </summary>
/// <remarks>
/// A row's positional embeddings count from its own first token, and its queries never see its pad columns, so its
/// arithmetic is that of its text decoded alone, up to the order of floating-point sums. Pad columns still see
/// themselves, so that no softmax row is empty: an empty one would put NaN into the pad's keys and values, and a NaN
/// value times its zero weight is still NaN in the rows that must ignore it.
/// Rows of one clip share its image context: their queries are gathered into one attention per clip (a cross-attention
/// query sees every image token and nothing else, so queries can be grouped freely), rather than the context being
/// copied per row, which for a B-32 model is 12 MB a row.
/// </remarks>
public sealed class DecoderRows
{
    private readonly long[] _padding;
    private readonly int[] _clips;
    private readonly int _clipCount;
    private readonly long _maxPosition;
    private readonly Tensor? _paddingTensor;
    private readonly int _slots;
    // Rows into a [clips, slots] grid, and back; null when the rows already are that grid in order.
    private readonly Tensor? _gridRows;
    private readonly Tensor? _gridPlaces;

    /// <param name="padding">Per row, the pad columns before its text.</param>
    /// <param name="clips">Per row, the clip (index into the image context) it reads.</param>
    /// <param name="clipCount">Clips of the image context.</param>
    /// <param name="maxPosition">Highest positional embedding: a row that has ended may run on past its text's end, unread.</param>
    public DecoderRows(long[] padding, int[] clips, int clipCount, long maxPosition, Device device)
    {
        ArgumentNullException.ThrowIfNull(padding);
        ArgumentNullException.ThrowIfNull(clips);
        if (padding.Length != clips.Length) throw new ArgumentException("one padding and one clip per row");
        if (clips.Any(c => c < 0 || c >= clipCount)) throw new ArgumentOutOfRangeException(nameof(clips), "a row reads a clip that is not there");
        _padding = padding;
        _clips = clips;
        _clipCount = clipCount;
        _maxPosition = maxPosition;
        Device = device;
        _paddingTensor = padding.Any(p => p != 0) ? tensor(padding, device: device) : null;

        var perClip = new int[clipCount];
        foreach (var clip in clips) perClip[clip]++;
        _slots = Math.Max(1, perClip.Max());
        var inOrder = clips.Length == clipCount * _slots && clips.Select((clip, row) => clip == row / _slots).All(same => same);
        if (!inOrder)
        {
            // Empty slots read row 0: their outputs are computed and dropped.
            var gridRows = new long[clipCount * _slots];
            var places = new long[clips.Length];
            var filled = new int[clipCount];
            for (var row = 0; row < clips.Length; row++)
            {
                var place = clips[row] * _slots + filled[clips[row]]++;
                gridRows[place] = row;
                places[row] = place;
            }
            _gridRows = tensor(gridRows, device: device);
            _gridPlaces = tensor(places, device: device);
        }
    }

    public int Count => _clips.Length;

    public Device Device { get; }

    /// <summary>[rows, count] positions of the new columns start.., or null when no row is padded (every row is at start..).</summary>
    public Tensor? Positions(long start, long count)
    {
        if (_paddingTensor is null) return null;
        var columns = arange(start, start + count, dtype: ScalarType.Int64, device: Device).unsqueeze(0);
        return (columns - _paddingTensor.unsqueeze(1)).clamp(0, _maxPosition);
    }

    /// <summary>
    /// Additive self-attention mask of the new columns start..start+count over columns 0..start+count: causal, and
    /// blind to each row's pad columns. Null when nothing is masked (a single new column of unpadded rows).
    /// </summary>
    public Tensor? SelfAttentionMask(long start, long count)
    {
        if (_paddingTensor is null) return DecoderCache.PlainSelfAttentionMask(start, count, Device);
        var total = start + count;
        var columns = arange(total, dtype: ScalarType.Int64, device: Device);
        var queries = arange(start, total, dtype: ScalarType.Int64, device: Device).unsqueeze(1);
        var padColumn = columns.unsqueeze(0).lt(_paddingTensor.unsqueeze(1));      // [rows, total]
        var later = columns.unsqueeze(0).gt(queries);                              // [count, total]
        var itself = columns.unsqueeze(0).eq(queries);                             // [count, total]
        var blocked = padColumn.unsqueeze(1).logical_or(later.unsqueeze(0)).logical_and(itself.logical_not().unsqueeze(0));
        return zeros([Count, 1, count, total], device: Device).masked_fill(blocked.unsqueeze(1), TensorLifetimes.MinusInfinity);
    }

    /// <summary>Cross-attention of every row's queries [rows, heads, n, headDim] over its clip's keys and values [clips, heads, tokens, headDim].</summary>
    public Tensor AttendImage(Tensor queries, Tensor keys, Tensor values)
    {
        var (heads, n, headDim) = (queries.shape[1], queries.shape[2], queries.shape[3]);
        var grid = _gridRows is null ? queries : queries.index_select(0, _gridRows);
        var grouped = grid.reshape(_clipCount, _slots, heads, n, headDim).transpose(1, 2).reshape(_clipCount, heads, _slots * n, headDim);
        var attended = F.scaled_dot_product_attention(grouped, keys, values)
            .reshape(_clipCount, heads, _slots, n, headDim).transpose(1, 2).reshape(_clipCount * _slots, heads, n, headDim);
        return _gridPlaces is null ? attended : attended.index_select(0, _gridPlaces);
    }

    /// <summary>The rows given, in that order (indices into these rows).</summary>
    public DecoderRows Select(IReadOnlyList<long> rows) =>
        new(rows.Select(r => _padding[r]).ToArray(), rows.Select(r => _clips[r]).ToArray(), _clipCount, _maxPosition, Device);

    /// <summary>The tensors these rows hold (for a decode that frees what a step replaced).</summary>
    public IEnumerable<Tensor> Tensors() => new[] { _paddingTensor, _gridRows, _gridPlaces }.OfType<Tensor>();
}
