using static TorchSharp.torch;

namespace VideoCoca.Modules;

/// <summary>Additive attention masks (0 where a position may look, -inf where it may not).</summary>
public static class AttentionMasks
{
    /// <summary>[L, L]: position i sees positions 0..i and nothing after it.</summary>
    public static Tensor Causal(long length, Device? device = null) =>
        full(length, length, TensorLifetimes.MinusInfinity, device: device).triu(1);

    /// <summary>
    /// [B, 1, L+1, L+1] for text of length L with a CLS token appended at position L: causal everywhere, and the
    /// CLS row also shut off from pad positions so that its embedding does not depend on how much padding follows.
    /// With <paramref name="legacyShift"/> the CLS row's pad mask is shifted by one position, as open_clip builds it.
    /// </summary>
    public static Tensor CausalWithClsPadding(Tensor text, long padId, bool legacyShift)
    {
        var batch = text.shape[0];
        var length = text.shape[1];
        var total = length + 1;
        var mask = Causal(total, text.device).unsqueeze(0).repeat(batch, 1, 1);
        var notPad = text.ne(padId);
        // The CLS may see: legacy = [true, notPad[0..L-1]] (open_clip's F.pad(..., (1, 0))); plain = [notPad[0..L-1], true].
        var ones = ones_like(notPad.narrow(1, 0, 1));
        var visible = legacyShift ? cat([ones, notPad], 1) : cat([notPad, ones], 1);
        var clsRow = zeros(batch, total, device: text.device).masked_fill(visible.logical_not(), TensorLifetimes.MinusInfinity);
        mask.select(1, length).copy_(clsRow);
        return mask.unsqueeze(1);
    }

    /// <summary>
    /// An additive mask in the queries' number format: scaled-dot-product attention takes a float mask only of the
    /// queries' type, and masks are built in float32 whatever the model runs in.
    /// </summary>
    public static Tensor? Matching(Tensor? mask, Tensor queries) =>
        mask is null || mask.dtype == ScalarType.Bool || mask.dtype == queries.dtype ? mask : mask.to_type(queries.dtype);
}
