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
        var targets = positives ?? eye(logits.shape[0], device: logits.device);
        targets = targets / targets.sum(1, keepdim: true);
        var imageToText = -(targets * F.log_softmax(logits, 1)).sum(1).mean();
        var textToImage = -(targets.t() * F.log_softmax(logits.t(), 1)).sum(1).mean();
        return (imageToText + textToImage) / 2;
    }

    /// <summary>Mean cross-entropy of next-token logits [B, L, V] against targets [B, L]; <see cref="IgnoreIndex"/> marks positions that do not count.</summary>
    public static Tensor Captioning(Tensor logits, Tensor targets) =>
        F.cross_entropy(logits.reshape(-1, logits.shape[2]), targets.reshape(-1), ignore_index: IgnoreIndex);
}
