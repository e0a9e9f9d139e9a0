using VideoCoca.Configuration;
using VideoCoca.Generation;
using VideoCoca.Inference;
using static TorchSharp.torch;

namespace VideoCoca.Tests.Generation;

public sealed class TextGeneratorTests
{
    private const int StartId = SmallGenerationModel.StartId;
    private const int EndId = SmallGenerationModel.EndId;
    private const int PadId = SmallGenerationModel.PadId;

    private static VideoCocaModel SmallModel(int seed) => SmallGenerationModel.Create(seed);

    private static Tensor ImageTokens(VideoCocaModel model, int clips, int seed) => SmallGenerationModel.ImageTokens(model, clips, seed);

    private static IReadOnlyList<long[]> Generate(VideoCocaModel model, Tensor imageTokens, GenerationOptions options, IReadOnlyList<int>? prompt = null, bool cpuStepLayout = true) =>
        new TextGenerator(model, StartId, EndId, PadId) { CpuStepLayout = cpuStepLayout }.Generate(imageTokens, prompt ?? [], options);

    public static TheoryData<int> Seeds() => [11, 12, 13];

    [Theory]
    [MemberData(nameof(Seeds))]
    public void GreedyWithTheCacheGivesTheTokensOfGreedyWithout(int seed)
    {
        using var testScope = NewDisposeScope();
        using var model = SmallModel(seed);
        var image = ImageTokens(model, clips: 3, seed);
        foreach (var prompt in new[] { Array.Empty<int>(), [5, 9, 17] })
        {
            // Long texts (the end token held off) and natural ones (ending where the model says).
            foreach (var minLength in new[] { 0, 15 })
            {
                var options = new GenerationOptions { MaxNewTokens = 15, MinLength = minLength };
                var cached = Generate(model, image, options, prompt);
                var cachedThroughBlocks = Generate(model, image, options, prompt, cpuStepLayout: false);
                var uncached = Generate(model, image, options with { UseCache = false }, prompt);
                Assert.Equal(uncached, cached);
                Assert.Equal(uncached, cachedThroughBlocks);
                if (minLength > 0) Assert.All(cached, row => Assert.Equal(15, row.Length));
            }
        }
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void BeamSearchWithTheCacheGivesTheTokensOfBeamSearchWithout(int seed)
    {
        using var testScope = NewDisposeScope();
        using var model = SmallModel(seed);
        var image = ImageTokens(model, clips: 2, seed);
        foreach (var (beams, minLength, lengthPenalty) in new[] { (3, 0, 1.0), (4, 10, 0.0), (2, 4, 2.0) })
        {
            var options = new GenerationOptions
            {
                Strategy = GenerationStrategy.Beam, Beams = beams, MaxNewTokens = 12, MinLength = minLength, LengthPenalty = lengthPenalty,
            };
            var cached = Generate(model, image, options, [7]);
            var cachedThroughBlocks = Generate(model, image, options, [7], cpuStepLayout: false);
            var uncached = Generate(model, image, options with { UseCache = false }, [7]);
            Assert.Equal(uncached, cached);
            Assert.Equal(uncached, cachedThroughBlocks);
            Assert.All(cached, row => Assert.InRange(row.Length, minLength, 12));
        }
    }

    [Fact]
    public void SamplingWithASeedIsReproducibleAndTheSeedMatters()
    {
        using var testScope = NewDisposeScope();
        using var model = SmallModel(31);
        var image = ImageTokens(model, clips: 2, 31);
        var options = new GenerationOptions { Strategy = GenerationStrategy.Sample, MaxNewTokens = 16, MinLength = 16, Temperature = 1.5, Seed = 7 };
        var first = Generate(model, image, options);
        var again = Generate(model, image, options);
        var uncached = Generate(model, image, options with { UseCache = false });
        var otherSeed = Generate(model, image, options with { Seed = 8 });
        Assert.Equal(first, again);
        Assert.Equal(first, uncached);
        Assert.NotEqual(first, otherSeed);
    }

    [Fact]
    public void TopKOfOneSamplesWhatGreedyPicks()
    {
        using var testScope = NewDisposeScope();
        using var model = SmallModel(41);
        var image = ImageTokens(model, clips: 2, 41);
        var greedy = Generate(model, image, new GenerationOptions { MaxNewTokens = 10 });
        var sampled = Generate(model, image, new GenerationOptions { Strategy = GenerationStrategy.Sample, TopK = 1, MaxNewTokens = 10, Seed = 3 });
        var nucleus = Generate(model, image, new GenerationOptions { Strategy = GenerationStrategy.Sample, TopP = 1e-6, MaxNewTokens = 10, Seed = 3 });
        Assert.Equal(greedy, sampled);
        Assert.Equal(greedy, nucleus);
    }

    [Theory]
    [InlineData(GenerationStrategy.Greedy)]
    [InlineData(GenerationStrategy.Beam)]
    [InlineData(GenerationStrategy.Sample)]
    public void MinimumLengthHoldsOffAnEndTokenTheModelWantsAtOnce(GenerationStrategy strategy)
    {
        using var testScope = NewDisposeScope();
        using var model = SmallModel(51);
        // The decoder's output is the same vector everywhere, and the end token's column dominates the projection.
        SetDecoderHead(model, favourite: EndId, favouriteLogit: 50, runnerUp: 30, runnerUpLogit: 20);
        var image = ImageTokens(model, clips: 2, 51);
        var options = new GenerationOptions { Strategy = strategy, Beams = 3, MaxNewTokens = 12, Seed = 1, TopK = 5 };
        Assert.All(Generate(model, image, options), row => Assert.Empty(row));
        foreach (var useCache in new[] { true, false })
        {
            var rows = Generate(model, image, options with { MinLength = 5, UseCache = useCache });
            Assert.All(rows, row => Assert.Equal(5, row.Length));
        }
    }

    [Fact]
    public void RepetitionPenaltyBreaksARepeat()
    {
        using var testScope = NewDisposeScope();
        using var model = SmallModel(61);
        const int favourite = 40;
        const int runnerUp = 41;
        SetDecoderHead(model, favourite, favouriteLogit: 64, runnerUp, runnerUpLogit: 32);
        var image = ImageTokens(model, clips: 1, 61);
        var plain = Generate(model, image, new GenerationOptions { MaxNewTokens = 6 })[0];
        Assert.Equal(Enumerable.Repeat((long)favourite, 6), plain);
        // Penalised by 4 the favourite's 64 falls to 16, below the runner-up's 32; once both are seen, 16 beats 8.
        var penalised = Generate(model, image, new GenerationOptions { MaxNewTokens = 6, RepetitionPenalty = 4 })[0];
        Assert.Equal(new long[] { favourite, runnerUp, favourite, favourite, favourite, favourite }, penalised);
        var beam = Generate(model, image, new GenerationOptions { Strategy = GenerationStrategy.Beam, Beams = 2, MaxNewTokens = 6, RepetitionPenalty = 4 })[0];
        Assert.Equal(runnerUp, beam[1]);
    }

    /// <summary>The caption and the answers share one projection of the image: each text must be the one it gets alone.</summary>
    [Theory]
    [InlineData(GenerationStrategy.Greedy, true)]
    [InlineData(GenerationStrategy.Greedy, false)]
    [InlineData(GenerationStrategy.Beam, true)]
    public void TextsForSeveralPromptsAreTheTextsEachGetsAlone(GenerationStrategy strategy, bool cpuStepLayout)
    {
        using var testScope = NewDisposeScope();
        using var model = SmallModel(31);
        var image = ImageTokens(model, clips: 3, 31);
        var generator = new TextGenerator(model, StartId, EndId, PadId) { CpuStepLayout = cpuStepLayout };
        var options = new GenerationOptions { Strategy = strategy, Beams = 3, MaxNewTokens = 12, MinLength = 6 };
        var greedy = GenerationOptions.Greedy(10);
        // A caption with the strategy under test, greedy answers as the predictor asks them, one prompt that fills the
        // context (nothing to say), and one request without the cache, between them.
        TextRequest[] requests =
        [
            new([], options), new([5, 9, 17], greedy), new(Enumerable.Range(3, 30).ToArray(), greedy),
            new([7], greedy with { UseCache = false }), new([7], options),
        ];

        var together = generator.GenerateEach(image, requests);

        Assert.Equal(requests.Length, together.Count);
        for (var r = 0; r < requests.Length; r++)
        {
            Assert.Equal(generator.Generate(image, requests[r].Prompt, requests[r].Options), together[r]);
            Assert.Equal(generator.Generate(image, requests[r].Prompt, requests[r].Options with { UseCache = false }), together[r]);
        }
        Assert.All(together[2], row => Assert.Empty(row));
        Assert.All(together[0], row => Assert.InRange(row.Length, 6, 12));
    }

    [Fact]
    public void GenerationStopsAtTheContextAndRejectsBadOptions()
    {
        using var testScope = NewDisposeScope();
        using var model = SmallModel(71);
        var image = ImageTokens(model, clips: 1, 71);
        var rows = Generate(model, image, new GenerationOptions { MaxNewTokens = 500, MinLength = 500 }, prompt: [3, 4]);
        Assert.Equal(model.Config.Text.ContextLength - 3, rows[0].Length);
        Assert.Throws<ArgumentException>(() => Generate(model, image, new GenerationOptions { Temperature = 0 }));
        Assert.Throws<ArgumentException>(() => Generate(model, image, new GenerationOptions { TopP = 0 }));
        Assert.Throws<ArgumentException>(() => Generate(model, image, new GenerationOptions { Strategy = GenerationStrategy.Beam, Beams = 0 }));
        Assert.Empty(Assert.Single(Generate(model, image, new GenerationOptions(), prompt: Enumerable.Range(3, 30).ToArray())));
    }

    [Fact]
    public void CaptionGeneratorGreedyStillWorks()
    {
        using var testScope = NewDisposeScope();
        using var model = SmallModel(81);
        var image = ImageTokens(model, clips: 2, 81);
        var viaCaptionGenerator = new CaptionGenerator(model, StartId, EndId, PadId).Greedy(image, [], 9);
        Assert.Equal(Generate(model, image, new GenerationOptions { MaxNewTokens = 9 }), viaCaptionGenerator);
    }

    [Fact]
    public void LogitFiltersKeepWhatTheySay()
    {
        using var testScope = NewDisposeScope();
        var logits = tensor(new float[,] { { 1f, 3f, 2f, 0f }, { 0f, 0f, 0f, 5f } });
        var topTwo = LogitsProcessing.TopK(logits, 2).data<float>().ToArray();
        Assert.Equal(new[] { float.NegativeInfinity, 3f, 2f, float.NegativeInfinity }, topTwo[..4]);
        // Row 0: probabilities 0.087, 0.644, 0.237, 0.032: p = 0.8 needs the two most likely (0.644 + 0.237).
        var nucleus = LogitsProcessing.TopP(logits, 0.8).data<float>().ToArray();
        Assert.Equal(new[] { float.NegativeInfinity, 3f, 2f, float.NegativeInfinity }, nucleus[..4]);
        Assert.Equal(new[] { float.NegativeInfinity, float.NegativeInfinity, float.NegativeInfinity, 5f }, nucleus[4..]);
        var penalised = LogitsProcessing.PenaliseRepeats(tensor(new float[,] { { 2f, -2f, 4f } }), tensor(new long[,] { { 0, 1, 1 } }), 2).data<float>().ToArray();
        Assert.Equal(new[] { 1f, -4f, 4f }, penalised);
    }

    /// <summary>Makes every decoder output the same vector of ones, so the logits are fixed by the projection's columns.</summary>
    private static void SetDecoderHead(VideoCocaModel model, int favourite, float favouriteLogit, int runnerUp, float runnerUpLogit)
    {
        var weights = model.state_dict();
        var width = model.Config.Multimodal.Width;
        using var _ = no_grad();
        weights["text_decoder.ln_final.weight"].zero_();
        weights["text_decoder.ln_final.bias"].fill_(1);
        var projection = weights["text_decoder.text_projection"];
        projection.zero_();
        projection.select(1, favourite).fill_(favouriteLogit / width);
        projection.select(1, runnerUp).fill_(runnerUpLogit / width);
    }
}
