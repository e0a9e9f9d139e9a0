using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace VideoCoca.Training;

/// <summary>CoCa's objective: symmetric InfoNCE between clip and text embeddings plus captioning cross-entropy.</summary>
public static class CocaLoss
{
    public const long IgnoreIndex = -100;

    /// <summary>
    /// Symmetric InfoNCE over a batch. <paramref name="positives"/> ([B, B], 1 where row i and column j carry the same
    /// text) spreads the target over duplicates: in a closed world two clips of a batch often share a caption, and
    /// calling the other one a negative would teach the model to tell apart what is the same. Without it, the
    /// diagonal is the only positive, as in CLIP.
    /// </summary>
    public static Tensor Contrastive(Tensor imageEmbeddings, Tensor textEmbeddings, Tensor scale, Tensor? positives = null)
    {
        var logits = scale * imageEmbeddings.matmul(textEmbeddings.t());
        var pairs = positives ?? eye(logits.shape[0], device: logits.device);
        // Each direction spreads its target over its own row's positives: with more texts than clips (captions and
        // search queries) a text's clips and a clip's texts are different counts.
        var imageTargets = pairs / pairs.sum(1, keepdim: true);
        var textTargets = pairs.t() / pairs.t().sum(1, keepdim: true);
        var imageToText = -(imageTargets * F.log_softmax(logits, 1)).sum(1).mean();
        var textToImage = -(textTargets * F.log_softmax(logits.t(), 1)).sum(1).mean();
        return (imageToText + textToImage) / 2;
    }

    /// <summary>Mean cross-entropy of next-token logits [B, L, V] against targets [B, L]; <see cref="IgnoreIndex"/> marks positions that do not count.</summary>
    public static Tensor Captioning(Tensor logits, Tensor targets) =>
        F.cross_entropy(logits.reshape(-1, logits.shape[2]), targets.reshape(-1), ignore_index: IgnoreIndex);
}
