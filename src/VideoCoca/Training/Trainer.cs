using System.Diagnostics;
using TorchSharp;
using TorchSharp.Modules;
using VideoCoca.Checkpoints;
using VideoCoca.Inference;
using VideoCoca.Tokenization;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace VideoCoca.Training;

/// <summary>A report after each step, for a progress bar.</summary>
/// <param name="DataWaitShare">The share of the run so far spent waiting for batches to be drawn.</param>
public sealed record TrainingProgress(int Step, int TotalSteps, double Loss, double ContrastiveLoss, double CaptionLoss, double LearningRate, double ClipsPerSecond, TimeSpan Remaining, double DataWaitShare = 0);

/// <summary>
/// Trains VideoCoCa on the shapes world: loss = contrastive x 1 + captioning x 2, AdamW with warm-up and a cosine
/// schedule, gradient clipping, a tuning mode deciding what learns. Checkpoints as it goes; a run resumes where its
/// last checkpoint left off and then follows the same path as if it had never stopped.
/// </summary>
public sealed class Trainer(VideoCocaModel model, ITextTokenizer tokenizer, LabelSet labels, TrainingOptions options)
{
    public event Action<TrainingProgress>? Progress;

    /// <summary>The parameters the tuning mode lets learn; everything else is frozen (requires_grad off).</summary>
    public static IReadOnlyList<Parameter> ApplyTuningMode(VideoCocaModel model, TuningMode mode)
    {
        var encoder = model.Visual.EncoderParameters().ToHashSet(ReferenceEqualityComparer.Instance);
        var poolers = model.Visual.PoolerParameters().ToHashSet(ReferenceEqualityComparer.Instance);
        var trainable = new List<Parameter>();
        foreach (var (_, p) in model.NamedParameters())
        {
            var learns = mode switch
            {
                TuningMode.Full => true,
                TuningMode.Lit => !encoder.Contains(p),
                TuningMode.Frozen => poolers.Contains(p),
                _ => throw new ArgumentOutOfRangeException(nameof(mode)),
            };
            p.requires_grad = learns;
            if (learns) trainable.Add(p);
        }
        return trainable;
    }

    public double LearningRateAt(int step)
    {
        if (step < options.WarmupSteps) return options.LearningRate * (step + 1) / options.WarmupSteps;
        var progress = (double)(step - options.WarmupSteps) / Math.Max(1, options.Steps - options.WarmupSteps);
        var floor = options.FinalLearningRateFraction;
        return options.LearningRate * (floor + (1 - floor) * 0.5 * (1 + Math.Cos(Math.PI * Math.Min(1, progress))));
    }

    /// <summary>Runs from the checkpoint in <paramref name="folder"/> if it has training state, else from step 0; saves there.</summary>
    public void Run(string folder, CancellationToken cancellationToken = default) => RunUntil(folder, options.Steps, cancellationToken);

    /// <summary>Like <see cref="Run"/>, but stops once <paramref name="stopAfter"/> steps are done, as an interrupted run would.</summary>
    public void RunUntil(string folder, int stopAfter, CancellationToken cancellationToken = default)
    {
        var trainable = ApplyTuningMode(model, options.Tuning);
        // The temporal embedding is new in stage two and starts at zero against layer-normed tokens: at the base rate it
        // takes most of a run to grow large enough to matter, so it learns faster, as new heads usually do.
        var adaptation = model.Visual.AdaptationParameters().ToHashSet(ReferenceEqualityComparer.Instance);
        var fresh = trainable.Where(adaptation.Contains).ToList();
        // Decay only matrices: norms, biases, embeddings of one row and the temperature keep their scale.
        var decay = trainable.Where(p => p.dim() >= 2 && !adaptation.Contains(p)).ToList();
        var noDecay = trainable.Where(p => p.dim() < 2 && !adaptation.Contains(p)).ToList();
        var groups = new List<(AdamW.ParamGroup Group, double Scale)>
        {
            (new AdamW.ParamGroup(decay, lr: options.LearningRate, weight_decay: options.WeightDecay), 1),
            (new AdamW.ParamGroup(noDecay, lr: options.LearningRate, weight_decay: 0), 1),
            (new AdamW.ParamGroup(fresh, lr: options.LearningRate * options.AdaptationLearningRateScale, weight_decay: 0), options.AdaptationLearningRateScale),
        };
        var optimizer = optim.AdamW(groups.Select(g => g.Group), lr: options.LearningRate);
        var scales = groups.Select(g => g.Scale).ToArray();

        var start = ModelCheckpoint.LoadTrainingState(folder, optimizer)?.Step ?? 0;
        ITrainingBatchSampler sampler = options.World == 2
            ? new Edition2BatchSampler(model.Config, tokenizer, options.Stage, options.Seed, options.QuestionsPerClip, options.WordNoise)
            : new WorldBatchSampler(model.Config, tokenizer, options.Stage, options.Seed, options.ReversedTwins);
        // A temporal embedding inside the encoder learns through it even when the encoder's own weights are frozen.
        var encoderLearns = options.Tuning == TuningMode.Full || model.Visual.TemporalEmbeddingInsideEncoder;
        var textLearns = options.Tuning != TuningMode.Frozen;
        model.train();
        var clock = Stopwatch.StartNew();
        var waiting = new Stopwatch();
        var clipsSeen = 0;
        var end = Math.Min(options.Steps, stopAfter);
        // The next batch is drawn on another thread while this one trains: drawing is plain C# on one core, and a
        // batch depends on its step alone, so the order of work changes nothing in what is learnt.
        var normalizer = new Preprocessing.FrameNormalizer(model.Config.Preprocess);
        Task<DrawnBatch>? next = start < end ? DrawAsync(sampler, start, options.BatchSize) : null;
        for (var step = start; step < end; step++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var scope = NewDisposeScope();
            var lr = LearningRateAt(step);
            var index = 0;
            foreach (var group in optimizer.ParamGroups) group.LearningRate = lr * scales[index++];

            waiting.Start();
            var drawn = next!.GetAwaiter().GetResult();
            waiting.Stop();
            next = step + 1 < end ? DrawAsync(sampler, step + 1, options.BatchSize) : null;
            var batch = drawn.ToTensors(normalizer);
            var (contrastive, caption) = Losses(batch, encoderLearns, textLearns);
            var loss = contrastive * options.ContrastiveWeight + caption * options.CaptionWeight;
            optimizer.zero_grad();
            loss.backward();
            nn.utils.clip_grad_norm_(trainable, options.GradientClipNorm);
            optimizer.step();

            clipsSeen += batch.Clips;
            var speed = clipsSeen / Math.Max(1e-9, clock.Elapsed.TotalSeconds);
            var remaining = TimeSpan.FromSeconds((options.Steps - step - 1) * options.BatchSize / Math.Max(1e-9, speed));
            Progress?.Invoke(new TrainingProgress(step + 1, options.Steps, loss.item<float>(), contrastive.item<float>(), caption.item<float>(), lr, speed, remaining,
                waiting.Elapsed.TotalSeconds / Math.Max(1e-9, clock.Elapsed.TotalSeconds)));

            if ((step + 1) % options.CheckpointEvery == 0 || step + 1 == options.Steps || step + 1 == stopAfter)
            {
                ModelCheckpoint.Save(folder, model, tokenizer, labels);
                ModelCheckpoint.SaveTrainingState(folder, optimizer, new TrainingState(step + 1, options));
            }
        }
        model.eval();
    }

    private static Task<DrawnBatch> DrawAsync(ITrainingBatchSampler sampler, int step, int batchSize) =>
        Task.Run(() => sampler.Draw(step, batchSize));

    /// <summary>The two loss terms for a batch; frozen parts run without building a graph, which is most of LiT's speed.</summary>
    public (Tensor Contrastive, Tensor Caption) Losses(TrainingBatch batch, bool encoderLearns, bool textLearns)
    {
        Tensor frameTokens;
        if (encoderLearns) frameTokens = model.Visual.EncodeFrames(batch.Frames);
        else using (no_grad()) frameTokens = model.Visual.EncodeFrames(batch.Frames).detach();
        var visual = model.Visual.Pool(frameTokens);

        Modules.TextOutput text;
        if (textLearns) text = model.Text.Forward(batch.Texts);
        else using (no_grad()) { var t = model.Text.Forward(batch.Texts); text = new Modules.TextOutput(t.Pooled.detach(), t.Tokens.detach()); }

        var clips = batch.Clips;
        var imageEmbeddings = F.normalize(visual.Pooled, dim: -1);
        var textEmbeddings = F.normalize(text.Pooled.narrow(0, 0, batch.ContrastiveTexts), dim: -1);
        var contrastive = CocaLoss.Contrastive(imageEmbeddings, textEmbeddings, model.ContrastiveScale(), batch.CaptionPositives);

        var rows = batch.DecodedRows ?? Enumerable.Range(0, (int)text.Tokens.shape[0]).Select(r => (long)r).ToArray();
        var imageTokens = visual.Tokens.index_select(0, tensor(rows.Select(r => r % clips).ToArray()));
        var decoded = tensor(rows);
        var length = text.Tokens.shape[1];
        var logits = model.TextDecoder.Forward(imageTokens, text.Tokens.index_select(0, decoded).narrow(1, 0, length - 1));
        var caption = CocaLoss.Captioning(logits, batch.Targets.index_select(0, decoded));
        return (contrastive, caption);
    }
}
