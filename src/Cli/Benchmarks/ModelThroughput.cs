using System.Diagnostics;
using VideoCoca.Checkpoints;
using VideoCoca.Inference;
using VideoCoca.Media;
using static TorchSharp.torch;

namespace VideoCoca.Cli.Benchmarks;

/// <summary>The model alone on a set of clips: how many clips a second its forward passes analyse.</summary>
/// <param name="Clips">Clips analysed.</param>
/// <param name="Batches">Forward passes.</param>
/// <param name="Seconds">Time in the forward passes (normalising and stacking each batch included).</param>
/// <param name="CpuSeconds">CPU time this process spent in them, every thread together.</param>
public sealed record ModelRun(int Clips, int Batches, double Seconds, double CpuSeconds)
{
    public double ClipsPerSecond => Clips / Seconds;
}

/// <summary>
/// What a worker does with a batch, without the queue, the files and the database: the clips stacked and normalised
/// into one batch, one <see cref="VideoCocaPredictor.Predict"/> per batch (caption, labels, answers, embedding), as
/// the worker's consumer calls it. The clips come from the model's own loader, which samples the frames ingest does.
/// </summary>
public static class ModelThroughput
{
    /// <summary>Labels kept per clip, as the worker's <c>Worker:TopLabels</c> default.</summary>
    private const int TopLabels = 3;

    public static async Task<ModelRun> MeasureAsync(
        string modelFolder, IReadOnlyList<string> videos, double clipLength, int batchSize, IReadOnlyList<string> questions,
        Action<double, double, string> progress, CancellationToken cancellationToken)
    {
        var loaded = ModelCheckpoint.Load(modelFolder);
        var predictor = new VideoCocaPredictor(loaded);
        var loader = new ClipLoader(loaded.Model.Config);
        var clips = new List<VideoClip>();
        foreach (var video in videos)
        {
            clips.AddRange(await loader.LoadAsync(video, clipLength, cancellationToken: cancellationToken));
        }
        var batches = clips.Chunk(batchSize).ToList();
        // Warm-up: first-call allocations and JIT, as a worker has long since done.
        Predict(batches[0]);
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        for (var b = 0; b < batches.Count; b++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            progress(b, batches.Count, $"batch of {batches[b].Length}");
            Predict(batches[b]);
        }
        var seconds = clock.Elapsed.TotalSeconds;
        var cpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
        progress(batches.Count, batches.Count, "");
        return new ModelRun(clips.Count, batches.Count, seconds, cpuSeconds);

        void Predict(IReadOnlyList<VideoClip> batch)
        {
            using var scope = NewDisposeScope();
            predictor.Predict(loader.ToBatch(batch), questions, TopLabels);
        }
    }
}
