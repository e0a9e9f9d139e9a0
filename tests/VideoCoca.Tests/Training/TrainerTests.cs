using VideoCoca.Checkpoints;
using VideoCoca.Configuration;
using VideoCoca.Training;
using static TorchSharp.torch;

namespace VideoCoca.Tests.Training;

public sealed class TrainerTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), $"vcp-trainer-{Guid.NewGuid():N}");

    public void Dispose()
    {
        if (Directory.Exists(_folder)) Directory.Delete(_folder, recursive: true);
    }

    private static VideoCocaModel NewModel(ModelConfig config, int seed = 7)
    {
        manual_seed(seed);
        return new VideoCocaModel(config);
    }

    private static TrainingOptions Options(int steps, TuningMode tuning = TuningMode.Full, TrainingStage stage = TrainingStage.Video) => new()
    {
        Steps = steps, BatchSize = 8, LearningRate = 2e-3, WarmupSteps = 2, Seed = 3, CheckpointEvery = 1000, Tuning = tuning, Stage = stage,
    };

    [Fact]
    public void A_short_run_lowers_the_loss()
    {
        using var testScope = NewDisposeScope();
        using var model = NewModel(TinyModels.Micro());
        var losses = new List<double>();
        var trainer = new Trainer(model, TinyModels.WorldTokenizer(), TinyModels.Labels(), Options(40, stage: TrainingStage.Image));
        trainer.Progress += p => losses.Add(p.Loss);
        trainer.Run(_folder);
        Assert.Equal(40, losses.Count);
        var first = losses.Take(5).Average();
        var last = losses.TakeLast(5).Average();
        Assert.True(last < 0.6 * first, $"loss went from {first:0.000} to {last:0.000}");
    }

    [Fact]
    public void Saving_and_loading_gives_identical_outputs()
    {
        using var testScope = NewDisposeScope();
        using var model = NewModel(TinyModels.Micro());
        new Trainer(model, TinyModels.WorldTokenizer(), TinyModels.Labels(), Options(3)).Run(_folder);
        using var loaded = ModelCheckpoint.Load(_folder).Model;
        using var _ = no_grad();
        var frames = randn([2, 2, 3, 48, 64]);
        var text = tensor(new long[,] { { 1, 5, 6, 2 }, { 1, 7, 8, 2 } });
        var a = model.EncodeVideo(frames);
        var b = loaded.EncodeVideo(frames);
        Assert.True(TensorAssert.Identical(a.Pooled, b.Pooled));
        Assert.True(TensorAssert.Identical(model.CaptionLogits(a.Tokens, text), loaded.CaptionLogits(b.Tokens, text)));
    }

    [Fact]
    public void A_resumed_run_ends_exactly_where_an_uninterrupted_one_does()
    {
        using var testScope = NewDisposeScope();
        var tokenizer = TinyModels.WorldTokenizer();
        using var straight = NewModel(TinyModels.Micro());
        var initial = straight.state_dict().ToDictionary(p => p.Key, p => p.Value.clone());
        new Trainer(straight, tokenizer, TinyModels.Labels(), Options(6)).Run(Path.Combine(_folder, "straight"));

        var interrupted = Path.Combine(_folder, "interrupted");
        // Same starting weights by copy, not by seed: torch's generator is process-wide and other test classes run in parallel.
        using var first = new VideoCocaModel(TinyModels.Micro());
        using (no_grad())
        {
            foreach (var (name, value) in first.state_dict()) value.copy_(initial[name]);
        }
        new Trainer(first, tokenizer, TinyModels.Labels(), Options(6) with { CheckpointEvery = 3 }).RunUntil(interrupted, stopAfter: 3);
        Assert.Equal(3, ModelCheckpoint.ReadTrainingState(interrupted)!.Step);

        using var resumedModel = ModelCheckpoint.Load(interrupted).Model;
        new Trainer(resumedModel, tokenizer, TinyModels.Labels(), Options(6) with { CheckpointEvery = 3 }).Run(interrupted);

        var expected = straight.state_dict();
        foreach (var (name, value) in resumedModel.state_dict())
        {
            Assert.True(value.allclose(expected[name], rtol: 1e-5, atol: 1e-6), $"{name} differs after resuming");
        }
    }

    [Theory]
    [InlineData(TuningMode.Frozen)]
    [InlineData(TuningMode.Lit)]
    public void Frozen_parameters_stay_exactly_as_they_were(TuningMode mode)
    {
        using var testScope = NewDisposeScope();
        using var model = NewModel(TinyModels.Micro());
        var before = model.state_dict().ToDictionary(p => p.Key, p => p.Value.clone());
        new Trainer(model, TinyModels.WorldTokenizer(), TinyModels.Labels(), Options(3, mode)).Run(_folder);
        var after = model.state_dict();

        bool Unchanged(string name) => TensorAssert.Identical(after[name], before[name]);
        var encoder = before.Keys.Where(k => k.StartsWith("visual.conv1", StringComparison.Ordinal) || k.StartsWith("visual.transformer.", StringComparison.Ordinal)
            || k is "visual.class_embedding" or "visual.positional_embedding" || k.StartsWith("visual.ln_pre", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(encoder);
        Assert.All(encoder, name => Assert.True(Unchanged(name), $"{name} moved under {mode}"));
        // The poolers learn in both modes: the check above is not passing because nothing trains at all.
        Assert.False(Unchanged("visual.attn_pool.query"), $"the pooler did not learn under {mode}");

        var text = before.Keys.Where(k => k.StartsWith("text.", StringComparison.Ordinal) || k.StartsWith("text_decoder.", StringComparison.Ordinal)).ToList();
        if (mode == TuningMode.Frozen)
        {
            Assert.All(text, name => Assert.True(Unchanged(name), $"{name} moved under frozen tuning"));
            Assert.True(Unchanged("visual.proj"));
            Assert.True(Unchanged("logit_scale"));
        }
        else
        {
            Assert.Contains(text, name => !Unchanged(name));
        }
    }

    [Fact]
    public void Learning_rate_warms_up_then_follows_a_cosine_to_its_floor()
    {
        using var testScope = NewDisposeScope();
        var trainer = new Trainer(NewModel(TinyModels.Micro()), TinyModels.WorldTokenizer(), TinyModels.Labels(),
            new TrainingOptions { Steps = 110, WarmupSteps = 10, LearningRate = 1.0, FinalLearningRateFraction = 0.1 });
        Assert.Equal(0.1, trainer.LearningRateAt(0), 6);
        Assert.Equal(1.0, trainer.LearningRateAt(9), 6);
        Assert.Equal(0.55, trainer.LearningRateAt(60), 6);
        Assert.Equal(0.1, trainer.LearningRateAt(110), 6);
    }
}
