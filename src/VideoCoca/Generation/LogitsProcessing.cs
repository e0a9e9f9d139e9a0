using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace VideoCoca.Generation;

/// <summary>The changes made to next-token logits [rows, vocabulary] before a token is chosen.</summary>
public static class LogitsProcessing
{
    /// <summary>
    /// CTRL's repetition penalty on every token id present in its row of <paramref name="tokens"/> [rows, length]:
    /// positive logits divided by <paramref name="penalty"/>, negative ones multiplied by it.
    /// </summary>
    public static Tensor PenaliseRepeats(Tensor logits, Tensor tokens, double penalty)
    {
        if (penalty == 1.0) return logits;
        var seen = logits.gather(1, tokens);
        var penalised = where(seen.lt(0), seen * penalty, seen / penalty);
        return logits.scatter(1, tokens, penalised);
    }

    /// <summary>Forbids <paramref name="tokenId"/> (the end token while a text is shorter than its minimum).</summary>
    public static Tensor Forbid(Tensor logits, long tokenId)
    {
        var result = logits.clone();
        result.select(1, tokenId).fill_(TensorLifetimes.MinusInfinity);
        return result;
    }

    /// <summary>Keeps the <paramref name="k"/> largest logits of each row (ties with the k-th kept too); 0 keeps all.</summary>
    public static Tensor TopK(Tensor logits, int k)
    {
        if (k <= 0 || k >= logits.shape[1]) return logits;
        var kth = logits.topk(k, dim: 1).values.narrow(1, k - 1, 1);
        return logits.masked_fill(logits.lt(kth), TensorLifetimes.MinusInfinity);
    }

    /// <summary>
    /// Nucleus filtering: keeps, per row, the smallest set of most likely tokens whose probabilities sum to at least
    /// <paramref name="p"/> (always at least the most likely one); 1 keeps all.
    /// </summary>
    public static Tensor TopP(Tensor logits, double p)
    {
        if (p >= 1.0) return logits;
        var (sorted, order) = logits.sort(dim: 1, descending: true);
        var probabilities = F.softmax(sorted, 1);
        // A token goes when the more likely tokens before it already reach p.
        var before = probabilities.cumsum(1) - probabilities;
        var dropSorted = before.ge(p);
        var drop = zeros_like(dropSorted).scatter(1, order, dropSorted);
        return logits.masked_fill(drop, TensorLifetimes.MinusInfinity);
    }
}
