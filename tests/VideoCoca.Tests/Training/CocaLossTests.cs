using VideoCoca.Training;
using static TorchSharp.torch;

namespace VideoCoca.Tests.Training;

public class CocaLossTests
{
    [Fact]
    public void Contrastive_loss_matches_a_hand_computed_example()
    {
        using var testScope = NewDisposeScope();
        // Image embeddings i1=(1,0), i2=(0,1); texts t1=(0.6,0.8), t2=(0,1); scale 2.
        // Similarities: [[0.6, 0], [0.8, 1]] x 2 = [[1.2, 0], [1.6, 2]].
        // Image->text rows: -log(e^1.2/(e^1.2+e^0)) = 0.263282, -log(e^2/(e^1.6+e^2)) = 0.513015; mean 0.388149.
        // Text->image (columns): -log(e^1.2/(e^1.2+e^1.6)) = 0.913015, -log(e^2/(e^0+e^2)) = 0.126928; mean 0.519972.
        // Symmetric mean: 0.454060.
        var images = tensor(new float[,] { { 1, 0 }, { 0, 1 } });
        var texts = tensor(new float[,] { { 0.6f, 0.8f }, { 0, 1 } });
        var loss = CocaLoss.Contrastive(images, texts, tensor(2f)).item<float>();
        Assert.Equal(0.454060, loss, 5);
    }

    [Fact]
    public void Duplicate_captions_share_the_target_instead_of_being_negatives()
    {
        using var testScope = NewDisposeScope();
        // Two clips with the same caption, equally similar to both texts: with duplicates as positives the loss is
        // the target's entropy, log 2; calling the twin a negative would give the same log 2 yet push them apart.
        var images = tensor(new float[,] { { 1, 0 }, { 1, 0 } });
        var texts = tensor(new float[,] { { 1, 0 }, { 1, 0 } });
        var positives = ones(2, 2);
        var loss = CocaLoss.Contrastive(images, texts, tensor(10f), positives).item<float>();
        Assert.Equal(Math.Log(2), loss, 5);
    }

    [Fact]
    public void Caption_loss_matches_a_hand_computed_example_and_skips_ignored_positions()
    {
        using var testScope = NewDisposeScope();
        // One row, two positions, vocabulary 3. Position 0 logits (2, 0, 0), target 0: -log(e^2/(e^2+2)) = log(1 + 2e^-2) = 0.239545.
        // Position 1 logits (0, 0, 0), target ignored: it must not count.
        var logits = tensor(new float[] { 2, 0, 0, 0, 0, 0 }).view(1, 2, 3);
        var targets = tensor(new long[,] { { 0, CocaLoss.IgnoreIndex } });
        Assert.Equal(0.239545, CocaLoss.Captioning(logits, targets).item<float>(), 5);
    }
}
