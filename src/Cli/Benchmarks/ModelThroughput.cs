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
/// Loaded once and warmed up with one batch, as a worker has long since been, then measured as often as asked.
/// </summary>
public sealed class ModelThroughput
{
    /// <summary>Labels kept per clip, as the worker's <c>Worker:TopLabels</c> default.</summary>
    private const int TopLabels = 3;

    private readonly VideoCocaPredictor _predictor;
    private readonly ClipLoader _loader;
    private readonly IReadOnlyList<VideoClip[]> _batches;
    private readonly IReadOnlyList<string> _questions;

    private ModelThroughput(VideoCocaPredictor predictor, ClipLoader loader, IReadOnlyList<VideoClip[]> batches, IReadOnlyList<string> questions)
    {
        _predictor = predictor;
        _loader = loader;
        _batches = batches;
        _questions = questions;
    }

    /// <summary>Loads the model and the videos' clips, and runs the first batch once untimed (first-call allocations, JIT).</summary>
    public static async Task<ModelThroughput> LoadAsync(
        string modelFolder, IReadOnlyList<string> videos, double clipLength, int batchSize, IReadOnlyList<string> questions,
        InferencePrecision precision, CancellationToken cancellationToken)
    {
        var loaded = ModelCheckpoint.Load(modelFolder, precision: precision);
        var loader = new ClipLoader(loaded.Model.Config);
        var clips = new List<VideoClip>();
        foreach (var video in videos)
        {
            clips.AddRange(await loader.LoadAsync(video, clipLength, cancellationToken: cancellationToken));
        }
        var throughput = new ModelThroughput(new VideoCocaPredictor(loaded), loader, clips.Chunk(batchSize).ToList(), questions);
        throughput.Predict(throughput._batches[0]);
        return throughput;
    }

    /// <summary>One timed pass over every clip.</summary>
    public ModelRun Measure(Action<double, double, string> progress, CancellationToken cancellationToken)
    {
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        for (var b = 0; b < _batches.Count; b++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            progress(b, _batches.Count, $"batch of {_batches[b].Length}");
            Predict(_batches[b]);
        }
        var seconds = clock.Elapsed.TotalSeconds;
        var cpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
        progress(_batches.Count, _batches.Count, "");
        return new ModelRun(_batches.Sum(b => b.Length), _batches.Count, seconds, cpuSeconds);
    }

    private void Predict(IReadOnlyList<VideoClip> batch)
    {
        using var scope = NewDisposeScope();
        _predictor.Predict(_loader.ToBatch(batch), _questions, TopLabels);
    }
}
