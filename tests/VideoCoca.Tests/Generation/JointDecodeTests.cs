using VideoCoca.Configuration;
using VideoCoca.Generation;
using static TorchSharp.torch;

namespace VideoCoca.Tests.Generation;

/// <summary>
/// <see cref="TextGenerator.GenerateTogether"/>: a batch's texts as rows of one decode must be, token for token, the
/// texts one generation per text gives (<see cref="TextGenerator.GenerateEach"/>, itself pinned to the uncached
/// decode by <see cref="TextGeneratorTests"/>).
/// </summary>
public sealed class JointDecodeTests
{
    private const int StartId = SmallGenerationModel.StartId;
    private const int EndId = SmallGenerationModel.EndId;
    private const int PadId = SmallGenerationModel.PadId;

    private static VideoCocaModel SmallModel(int seed) => SmallGenerationModel.Create(seed);

    private static Tensor ImageTokens(VideoCocaModel model, int clips, int seed) => SmallGenerationModel.ImageTokens(model, clips, seed);

    /// <summary>A caption and questions of 1, 3 and 6 prompt ids: four prompt lengths, so three of four rows are left-padded.</summary>
    private static TextRequest[] CaptionAndQuestions(GenerationOptions caption, GenerationOptions questions) =>
    [
        new([], caption), new([5, 9, 17], questions), new([7], questions), new([3, 4, 5, 6, 8, 10], questions),
    ];

    public static TheoryData<GenerationStrategy, bool, int> Cases() => new()
    {
        { GenerationStrategy.Greedy, true, 0 },
        { GenerationStrategy.Greedy, true, 12 },
        { GenerationStrategy.Greedy, false, 0 },
        { GenerationStrategy.Beam, true, 0 },
        { GenerationStrategy.Beam, true, 6 },
        { GenerationStrategy.Beam, false, 0 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void A_caption_and_questions_of_different_lengths_decoded_together_are_the_texts_each_gets_alone(
        GenerationStrategy strategy, bool cpuStepLayout, int minLength)
    {
        using var testScope = NewDisposeScope();
        foreach (var seed in new[] { 11, 12, 13 })
        {
            using var model = SmallModel(seed);
            var image = ImageTokens(model, clips: 3, seed);
            var generator = new TextGenerator(model, StartId, EndId, PadId) { CpuStepLayout = cpuStepLayout };
            var options = new GenerationOptions { Strategy = strategy, Beams = 3, MaxNewTokens = 12, MinLength = minLength };
            var requests = CaptionAndQuestions(options, options);

            var together = generator.GenerateTogether(image, requests);

            Assert.Equal(generator.GenerateEach(image, requests), together);
            Assert.All(together, perClip => Assert.Equal(3, perClip.Count));
            if (minLength > 0) Assert.All(together[0], text => Assert.InRange(text.Length, minLength, 12));
        }
    }

    /// <summary>
    /// The caption by beam search and the questions greedy (two decodes, one per options), beside a sampled text, a
    /// text without the cache and a prompt that fills the context, which run as they always have.
    /// </summary>
    [Fact]
    public void Requests_with_different_options_each_get_their_own_texts()
    {
        using var testScope = NewDisposeScope();
        using var model = SmallModel(21);
        var image = ImageTokens(model, clips: 4, 21);
        var generator = new TextGenerator(model, StartId, EndId, PadId);
        var beam = new GenerationOptions { Strategy = GenerationStrategy.Beam, Beams = 2, MaxNewTokens = 10, LengthPenalty = 0.5 };
        var greedy = GenerationOptions.Greedy(9);
        TextRequest[] requests =
        [
            .. CaptionAndQuestions(beam, greedy),
            new([11, 12], new GenerationOptions { Strategy = GenerationStrategy.Sample, MaxNewTokens = 8, Seed = 4, Temperature = 2 }),
            new([13], greedy with { UseCache = false }),
            new(Enumerable.Range(3, 30).ToArray(), greedy),
            new([14, 15], greedy with { RepetitionPenalty = 3, MinLength = 4 }),
        ];

        var together = generator.GenerateTogether(image, requests);

        Assert.Equal(generator.GenerateEach(image, requests), together);
        Assert.All(together[6], text => Assert.Empty(text));
    }

    /// <summary>
    /// A question whose prompt leaves room for one token ends after the first step and leaves the batch (and the
    /// clips' rows are no longer a full grid): the others' texts are those they get without it.
    /// </summary>
    [Theory]
    [InlineData(GenerationStrategy.Greedy)]
    [InlineData(GenerationStrategy.Beam)]
    public void A_text_that_ends_early_does_not_change_the_others(GenerationStrategy strategy)
    {
        using var testScope = NewDisposeScope();
        using var model = SmallModel(31);
        var image = ImageTokens(model, clips: 3, 31);
        var generator = new TextGenerator(model, StartId, EndId, PadId);
        // Held off the end token, every other text runs to its limit, long after the short one has gone.
        var options = new GenerationOptions { Strategy = strategy, Beams = 2, MaxNewTokens = 14, MinLength = 14 };
        var others = CaptionAndQuestions(options, options);
        var context = model.Config.Text.ContextLength;
        // Start id and prompt fill all but one position: one token to say.
        var shortOne = new TextRequest(Enumerable.Range(20, context - 2).ToArray(), options);

        var withIt = generator.GenerateTogether(image, [.. others, shortOne]);
        var without = generator.GenerateTogether(image, others);

        Assert.Equal(without, withIt.Take(others.Length));
        Assert.All(withIt[^1], text => Assert.Single(text));
        Assert.Equal(generator.GenerateEach(image, [shortOne])[0], withIt[^1]);
        Assert.All(withIt[0], text => Assert.Equal(14, text.Length));
    }
}
