using static TorchSharp.torch;
using VideoCoca.Configuration;
using VideoCoca.Tokenization;
using VideoCoca.Training;
using VideoCoca.World.EditionTwo;

namespace VideoCoca.Tests.Training;

public class Edition2BatchSamplerTests
{
    private static readonly ModelConfig Config = ModelSizes.Get(ModelSizes.TinyTwo);
    private static readonly WordTokenizer Tokenizer = WordTokenizer.FromTexts(Edition2Vocabulary.AllTexts());

    [Fact]
    public void Batches_never_show_a_withheld_combination_and_every_caption_is_one_the_world_can_say()
    {
        using var testScope = NewDisposeScope();
        var sampler = new Edition2BatchSampler(Config, Tokenizer, TrainingStage.Video, seed: 4);
        var withheld = new[] { "green triangle", "blue circle moves up", "large white circle" };
        var objects = 0;
        for (var step = 0; step < 12; step++)
        {
            using var batch = sampler.Sample(step, batchSize: 16);
            foreach (var caption in Rows(batch, 0, 16))
            {
                // A large white circle is allowed on black; the caption does not name the background, so only the
                // other two are read from captions here (RandomScene's own test checks the third).
                Assert.DoesNotContain(withheld[0], caption);
                Assert.DoesNotContain(withheld[1], caption);
                Assert.Matches(@"^a (small|large) (red|green|blue|yellow|white) (square|circle|triangle) (moves (left|right|up|down)|stays still)( and a (small|large) (red|green|blue|yellow|white) (square|circle|triangle) (moves (left|right|up|down)|stays still))?$", caption);
                objects += caption.Contains(" and ", StringComparison.Ordinal) ? 2 : 1;
            }
        }
        Assert.InRange(objects, 12 * 16 + 40, 12 * 16 * 2 - 40);
    }

    [Fact]
    public void Each_query_row_describes_its_own_clip_and_the_positives_mark_every_text_that_describes_a_clip()
    {
        using var testScope = NewDisposeScope();
        var sampler = new Edition2BatchSampler(Config, Tokenizer, TrainingStage.Video, seed: 9, questionsPerClip: 2);
        using var batch = sampler.Sample(step: 3, batchSize: 8);
        Assert.Equal(16, batch.ContrastiveTexts);
        Assert.Equal(new long[] { 8, 16 }, batch.CaptionPositives.shape);
        Assert.Equal(8 * 4, batch.Texts.shape[0]);
        var captions = Rows(batch, 0, 8);
        var queries = Rows(batch, 8, 8);
        var positives = batch.CaptionPositives.data<float>().ToArray();
        for (var clip = 0; clip < 8; clip++)
        {
            Assert.Equal(1f, positives[clip * 16 + clip]);
            Assert.Equal(1f, positives[clip * 16 + 8 + clip]);
            var query = Edition2Vocabulary.Queries.Single(q => q.Text == queries[clip]);
            for (var other = 0; other < 8; other++)
            {
                Assert.Equal(captions[other] == captions[clip] ? 1f : 0f, positives[clip * 16 + other]);
            }
            Assert.Contains(query.Form, new[] { "color shape", "size color shape", "shape motion", "count" });
        }
        // The decoder learns captions and answers, never the queries: their rows are left out of what it decodes.
        Assert.Equal(Enumerable.Range(0, 8).Concat(Enumerable.Range(16, 16)).Select(r => (long)r), batch.DecodedRows!);
    }

    [Fact]
    public void Question_rows_predict_the_answer_only()
    {
        using var testScope = NewDisposeScope();
        var sampler = new Edition2BatchSampler(Config, Tokenizer, TrainingStage.Video, seed: 2, questionsPerClip: 3);
        using var batch = sampler.Sample(step: 0, batchSize: 4);
        var forms = new HashSet<string>();
        foreach (var row in Enumerable.Range(8, 12))
        {
            var text = Tokenizer.Decode(batch.Texts[row].data<long>().Select(id => (int)id));
            var question = text[..(text.IndexOf('?') + 1)];
            forms.Add(Edition2Vocabulary.FormOf(question)!);
            var predicted = batch.Targets[row].data<long>().Where(t => t != CocaLoss.IgnoreIndex).Select(t => (int)t).ToList();
            // The answer word, then the end token.
            Assert.Equal(2, predicted.Count);
            Assert.Equal(text[(text.IndexOf('?') + 1)..].Trim(), Tokenizer.Decode(predicted.Take(1)));
        }
        Assert.True(forms.Count >= 3, $"questions of {forms.Count} forms only");
    }

    [Fact]
    public void Word_noise_swaps_only_the_words_the_decoder_reads_and_leaves_the_clips_the_contrast_and_the_targets_true()
    {
        using var testScope = NewDisposeScope();
        const int clips = 16;
        var plain = new Edition2BatchSampler(Config, Tokenizer, TrainingStage.Video, seed: 5, questionsPerClip: 2);
        var noisy = new Edition2BatchSampler(Config, Tokenizer, TrainingStage.Video, seed: 5, questionsPerClip: 2, wordNoise: 0.5);
        var swapped = 0;
        var attributes = Edition2Vocabulary.Sizes.Concat(Edition2Vocabulary.Colors).Concat(Edition2Vocabulary.Shapes).ToHashSet();
        for (var step = 0; step < 4; step++)
        {
            var without = plain.Draw(step, clips);
            var with = noisy.Draw(step, clips);
            // The same clips, captions and queries: the noise has its own random stream.
            Assert.Equal(without.Pixels, with.Pixels);
            Assert.Equal(without.Positives, with.Positives);
            using var batch = noisy.Sample(step, clips);
            Assert.Equal(2 * clips, batch.ContrastiveTexts);
            Assert.Equal(clips * 5, batch.Texts.shape[0]);
            // Decoded: the noisy captions and the questions; the clean captions and the queries are contrasted only.
            Assert.Equal(Enumerable.Range(2 * clips, 3 * clips).Select(r => (long)r), batch.DecodedRows!);
            var captions = Rows(batch, 0, clips);
            var read = Rows(batch, 2 * clips, clips);
            for (var clip = 0; clip < clips; clip++)
            {
                var truth = captions[clip].Split(' ');
                var words = read[clip].Split(' ');
                Assert.Equal(truth.Length, words.Length);
                for (var w = 0; w < truth.Length; w++)
                {
                    if (truth[w] == words[w]) continue;
                    swapped++;
                    Assert.Contains(truth[w], attributes);
                    Assert.Contains(words[w], attributes);
                }
                // What the noisy row predicts is the true caption, word for word.
                Assert.Equal(batch.Targets[clip].data<long>().ToArray(), batch.Targets[2 * clips + clip].data<long>().ToArray());
            }
            // Question rows: same answers as without noise.
            foreach (var row in Enumerable.Range(3 * clips, 2 * clips))
            {
                Assert.Equal(
                    batch.Targets[row].data<long>().Where(t => t != CocaLoss.IgnoreIndex),
                    without.Targets.GetRow(row - clips).Where(t => t != CocaLoss.IgnoreIndex));
            }
        }
        Assert.InRange(swapped, 20, 4 * clips * 6);
    }

    private static string[] Rows(TrainingBatch batch, int first, int count) =>
        Enumerable.Range(first, count).Select(i => Tokenizer.Decode(batch.Texts[i].data<long>().Select(id => (int)id))).ToArray();
}

internal static class ArrayRows
{
    public static long[] GetRow(this long[,] values, int row) =>
        Enumerable.Range(0, values.GetLength(1)).Select(c => values[row, c]).ToArray();
}
