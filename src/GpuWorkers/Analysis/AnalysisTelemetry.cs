using System.Diagnostics;
using System.Diagnostics.Metrics;
using MassTransit;
using VideoCoca.Contracts.Diagnostics;
using VideoCoca.Contracts.Messages;

namespace VideoCoca.GpuWorkers.Analysis;

/// <summary>
/// The worker's spans and meter (both VideoCoca.Worker): clips analysed and failed, batch size, model time per batch,
/// and the depth of the queues it takes clips from.
/// </summary>
public static class AnalysisTelemetry
{
    public const string Name = "VideoCoca.Worker";

    /// <summary>The header MassTransit puts the sender's span in (a W3C traceparent).</summary>
    private const string MassTransitActivityHeader = "MT-Activity-Id";

    public static readonly ActivitySource Source = new(Name);

    private static readonly Meter Meter = new(Name);

    private static readonly Counter<long> ClipsAnalysed = Meter.CreateCounter<long>(
        "vcp.clips.analysed", unit: "{clip}", description: "Clips analysed and stored (their rate is clips per second)");

    private static readonly Counter<long> ClipsFailed = Meter.CreateCounter<long>(
        "vcp.clips.failed", unit: "{clip}", description: "Clips the worker gave up on");

    private static readonly Histogram<int> BatchSize = Meter.CreateHistogram<int>(
        "vcp.batch.size", unit: "{clip}", description: "Clips per batch the worker took from its queues",
        advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024] });

    private static readonly Histogram<double> ModelTime = Meter.CreateHistogram<double>(
        "vcp.batch.model_time", unit: "s", description: "Time of one forward pass of the model over a batch",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 60, 120] });

    /// <summary>The latest depth sampled per queue (<see cref="QueueDepthMonitor"/>); read when metrics are collected.</summary>
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, long> QueueDepths = new();

    /// <summary>The process's resident bytes just after its latest batch; -1 until a batch has run.</summary>
    private static long _afterBatchBytes = -1;

    /// <summary>Seconds from the process's start to its model loaded and its version registered; NaN until then.</summary>
    private static double _startupSeconds = double.NaN;

    static AnalysisTelemetry()
    {
        Meter.CreateObservableGauge("vcp.worker.startup",
            () => double.IsNaN(_startupSeconds) ? [] : new[] { new Measurement<double>(_startupSeconds) },
            unit: "s", description: "Seconds from the worker process's start to its model loaded and its version registered");
        // The peak (vcp.process.memory.peak) sizes a machine; this is what a worker keeps while it waits for clips,
        // after the allocator has given a batch's free pages back.
        Meter.CreateObservableGauge("vcp.worker.memory.after_batch",
            () => Interlocked.Read(ref _afterBatchBytes) is var bytes and >= 0 ? new[] { new Measurement<long>(bytes) } : [],
            unit: "By", description: "Resident memory of the worker's process just after its latest batch (what it holds between batches)");
        Meter.CreateObservableGauge("vcp.queue.depth",
            () => QueueDepths.Select(q => new Measurement<long>(q.Value, new KeyValuePair<string, object?>("queue", q.Key))),
            unit: "{message}", description: "Messages waiting in the queues the worker takes clips from");
    }

    /// <summary>Records the process's resident memory after a batch (its tensors freed, the allocator trimmed).</summary>
    public static void AfterBatch(long? residentBytes)
    {
        if (residentBytes is { } bytes) Interlocked.Exchange(ref _afterBatchBytes, bytes);
    }

    /// <summary>Records the start-up, once the model is loaded and its version registered.</summary>
    public static void StartedUp(TimeSpan sinceProcessStart) => _startupSeconds = sinceProcessStart.TotalSeconds;

    public static void Analysed(string modelVersion) => ClipsAnalysed.Add(1, new KeyValuePair<string, object?>("model_version", modelVersion));

    public static void Failed(string modelVersion) => ClipsFailed.Add(1, new KeyValuePair<string, object?>("model_version", modelVersion));

    public static void Batch(int clips) => BatchSize.Record(clips);

    public static void ForwardPass(double seconds, int clips) => ModelTime.Record(seconds, new KeyValuePair<string, object?>("clips", clips));

    public static void QueueDepth(string queue, long messages) => QueueDepths[queue] = messages;

    /// <summary>The span of the batch: linked to the trace of every clip in it (a batch mixes uploads, so it belongs to none of them).</summary>
    public static Activity? StartBatch(IReadOnlyCollection<ConsumeContext<AnalyzeClip>> messages) =>
        Source.StartActivity("analyse batch", ActivityKind.Internal, parentContext: default,
            tags: [new("vcp.batch.size", messages.Count)],
            links: messages.Select(m => TraceOf(m)).Where(c => c != default).Distinct().Select(c => new ActivityLink(c)));

    /// <summary>
    /// A span in the clip's own trace (its upload's, carried in the message's headers) around work on that clip alone:
    /// storing its results (the SQL statements become its children) and reporting it. The ambient span is put back
    /// afterwards, since one with a remote parent would leave none.
    /// </summary>
    public static ClipSpan StartClip(string name, ActivityContext trace, AnalyzeClip clip)
    {
        var previous = Activity.Current;
        var activity = Source.StartActivity(name, ActivityKind.Internal, trace);
        activity?.SetTag("vcp.video_id", clip.VideoId.ToString());
        activity?.SetTag("vcp.clip_index", clip.ClipIndex);
        return new ClipSpan(activity, previous);
    }

    /// <summary>The sender's span a message carries, or none.</summary>
    public static ActivityContext TraceOf(ConsumeContext message) =>
        message.Headers.Get<string>(MassTransitActivityHeader) is { } id && ActivityContext.TryParse(id, null, out var context) ? context : default;

    public readonly struct ClipSpan(Activity? activity, Activity? previous) : IDisposable
    {
        public void Dispose()
        {
            activity?.Dispose();
            Activity.Current = previous;
        }
    }
}

/// <summary>The worker's stages in its CPU account (<see cref="StageCpu"/>).</summary>
public static class AnalysisStages
{
    /// <summary>The batch consumer's own work besides the stages below.</summary>
    public const string Batch = "worker.batch (consumer)";

    /// <summary>Clip frame files read and converted to the model's floats.</summary>
    public const string Frames = "worker.frames (read, convert)";

    /// <summary>The forward pass on the consumer's thread (normalising, the predictor).</summary>
    public const string Model = "worker.model forward pass";

    /// <summary>The process's other CPU while a forward pass ran (torch's intra-op threads, mostly).</summary>
    public const string ModelThreads = "worker.model forward pass (torch threads)";

    /// <summary>Results stored (<see cref="ClipResultWriter"/>).</summary>
    public const string ResultWrites = "worker.result writes";

    /// <summary>ClipAnalyzed messages published.</summary>
    public const string Publish = "worker.publish results";
}
