using VideoCoca.Modules;
using static TorchSharp.torch;

namespace VideoCoca.Inference;

/// <summary>
/// Greedy decoding from the multimodal decoder, for a batch of clips that share a prompt (the start token, or a
/// question). With the key-value cache each step feeds one new position; without it each step re-runs the prefix, as
/// open_clip does: the two give the same tokens.
/// </summary>
public sealed class CaptionGenerator(VideoCocaModel model, int startId, int endId, int padId)
{
    /// <param name="imageTokens">[B, Q, width] captioning tokens.</param>
    /// <param name="prompt">Ids after the start token that every row begins with (empty for a caption).</param>
    /// <returns>Per row the generated ids after the prompt, without the end token.</returns>
    public IReadOnlyList<long[]> Greedy(Tensor imageTokens, IReadOnlyList<int> prompt, int maxNewTokens, bool useCache = true)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var batch = imageTokens.shape[0];
        var context = model.Config.Text.ContextLength;
        var prefix = new long[prompt.Count + 1];
        prefix[0] = startId;
        for (var i = 0; i < prompt.Count; i++) prefix[i + 1] = prompt[i];
        maxNewTokens = Math.Min(maxNewTokens, context - prefix.Length);

        var tokens = tensor(prefix).unsqueeze(0).repeat(batch, 1);
        var finished = zeros(batch, dtype: ScalarType.Bool);
        var generated = new List<Tensor>();
        DecoderCache? cache = useCache ? new DecoderCache(model.Text.Transformer.Blocks.Count + model.TextDecoder.Layers, model.TextDecoder.ProjectImageTokens(imageTokens)) : null;
        var feed = tokens;
        for (var step = 0; step < maxNewTokens; step++)
        {
            Tensor logits;
            if (cache is not null)
            {
                var start = tokens.shape[1] - feed.shape[1];
                var states = model.Text.EncodeTokensCached(feed, start, cache);
                logits = model.TextDecoder.ForwardCached(states, start, cache, model.Text.Transformer.Blocks.Count);
            }
            else
            {
                logits = model.CaptionLogits(imageTokens, tokens);
            }
            var next = logits.select(1, logits.shape[1] - 1).argmax(-1);
            next = next.masked_fill(finished, padId);
            generated.Add(next);
            finished = finished.logical_or(next.eq(endId));
            feed = next.unsqueeze(1);
            tokens = cat([tokens, feed], 1);
            if (finished.all().item<bool>()) break;
        }

        var rows = new List<long[]>();
        if (generated.Count == 0) return Enumerable.Range(0, (int)batch).Select(_ => Array.Empty<long>()).ToList();
        var all = stack(generated, 1).cpu().data<long>().ToArray();
        var width = generated.Count;
        for (var b = 0; b < batch; b++)
        {
            var row = all.AsSpan(b * width, width).ToArray().TakeWhile(id => id != endId && id != padId).ToArray();
            rows.Add(row);
        }
        return rows;
    }
}
