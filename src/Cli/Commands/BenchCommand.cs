using System.CommandLine;
using System.Diagnostics;
using VideoCoca.Checkpoints;
using VideoCoca.Cli.Console;
using VideoCoca.Evaluation;
using VideoCoca.Inference;
using VideoCoca.Training;
using static TorchSharp.torch;

namespace VideoCoca.Cli.Commands;

/// <summary>Measures the model's speed on this machine beside the machine's own matrix-multiply peak.</summary>
public static class BenchCommand
{
    public static Command Create()
    {
        var model = new Option<DirectoryInfo>("--model") { Description = "model folder", DefaultValueFactory = _ => new DirectoryInfo("models/world-tiny") };
        var seconds = new Option<double>("--seconds") { Description = "time spent on each measurement", DefaultValueFactory = _ => 5 };
        var command = new Command("bench", "inference clips/s (batch 1 and 32), training clips/s, GFLOP/s against a measured matmul peak") { model, seconds };
        command.SetGuardedAction((parse, _) =>
        {
            set_num_threads(Environment.ProcessorCount);
            var budget = parse.GetValue(seconds);
            var loaded = ModelCheckpoint.Load(parse.GetValue(model)!.FullName);
            var config = loaded.Model.Config;
            var predictor = new VideoCocaPredictor(loaded);
            var frames = config.Video.Frames;
            var peak = MatmulPeak(budget);
            System.Console.WriteLine($"threads {get_num_threads()}, model {config.Name} ({loaded.Model.parameters().Sum(p => p.numel())} parameters), {frames} frames of {config.Vision.ImageWidth}x{config.Vision.ImageHeight}");
            System.Console.WriteLine($"matmul peak (1024^3 float32)           {peak:0.0} GFLOP/s");
            System.Console.WriteLine("measurement                            clips/s   GFLOP/s   % of peak");
            var flops = FlopCounter.EncodeClip(config, frames);
            foreach (var batch in new[] { 1, 32 })
            {
                var input = randn([batch, frames, 3, config.Vision.ImageHeight, config.Vision.ImageWidth]);
                var encode = Rate(budget, batch, () => { using var _ = no_grad(); using var s = NewDisposeScope(); loaded.Model.EncodeVideo(input); });
                System.Console.WriteLine($"encode clips, batch {batch,-2}                  {encode,7:0.0}   {encode * flops / 1e9,7:0.0}   {100 * encode * flops / 1e9 / peak,6:0.0}%");
                var predict = Rate(budget, batch, () => predictor.Predict(input));
                System.Console.WriteLine($"full predict (caption, labels, 3 QA), batch {batch,-2} {predict,5:0.0}");
            }
            var trainer = new Trainer(loaded.Model, loaded.Tokenizer, loaded.Labels, new TrainingOptions { Steps = int.MaxValue, BatchSize = 32 });
            var sampler = new WorldBatchSampler(config, loaded.Tokenizer, TrainingStage.Video, 1);
            var trainable = Trainer.ApplyTuningMode(loaded.Model, TuningMode.Full);
            var optimizer = optim.AdamW(trainable, lr: 1e-5);
            var step = 0;
            var train = Rate(budget, 32, () =>
            {
                using var s = NewDisposeScope();
                var batch = sampler.Sample(step++, 32);
                var (c, k) = trainer.Losses(batch, encoderLearns: true, textLearns: true);
                optimizer.zero_grad();
                (c + 2 * k).backward();
                optimizer.step();
            });
            System.Console.WriteLine($"training step (full tuning), batch 32   {train,7:0.0}");
            return Task.FromResult(0);
        });
        return command;
    }

    private static double MatmulPeak(double seconds)
    {
        var a = randn(1024, 1024);
        var b = randn(1024, 1024);
        var rate = Rate(seconds, 1, () => { using var s = NewDisposeScope(); a.matmul(b); });
        return rate * 2.0 * 1024 * 1024 * 1024 / 1e9;
    }

    /// <summary>Items per second of <paramref name="action"/> over about <paramref name="seconds"/>, after one warm-up call.</summary>
    private static double Rate(double seconds, int itemsPerCall, Action action)
    {
        action();
        var clock = Stopwatch.StartNew();
        var calls = 0;
        while (clock.Elapsed.TotalSeconds < seconds || calls < 2)
        {
            action();
            calls++;
        }
        return calls * itemsPerCall / clock.Elapsed.TotalSeconds;
    }
}
