using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using VideoCoca.Ingest;

namespace VideoCoca.Cli.Benchmarks;

/// <summary>One video's figures: medians over the repeats.</summary>
/// <param name="File">The video's file name.</param>
/// <param name="Seconds">Its length.</param>
/// <param name="Clips">Clips cut from it.</param>
/// <param name="IngestSeconds">The silo's ingest path: probe, plan, extract.</param>
/// <param name="PlainSeconds">The same work as plain ffprobe and ffmpeg command lines.</param>
/// <param name="DecodeSeconds">Decoding every frame on one thread and nothing else (<see cref="PlainFfmpegSplit.DecodeOnlyAsync"/>).</param>
/// <param name="IngestChildCpuSeconds">CPU of the ingest path's child processes (ffprobe, ffmpeg, split helpers).</param>
/// <param name="DecodingAllChildCpuSeconds">The same with <see cref="IngestOptions.SkipUnusedFrames"/> off: every picture decoded, as before it.</param>
public sealed record IngestTiming(
    string File, double Seconds, int Clips, double IngestSeconds, double PlainSeconds, double DecodeSeconds, double IngestChildCpuSeconds,
    double DecodingAllChildCpuSeconds)
{
    public double Ratio => IngestSeconds / PlainSeconds;
}

/// <summary>What <c>vcp bench ingest</c> measured: per video, and whether both paths produced the same frames.</summary>
/// <param name="Videos">One row per video.</param>
/// <param name="LargestFrameDifference">The largest difference of one byte between the two paths' sampled frames (0: identical).</param>
public sealed record IngestBenchmarkResult(IReadOnlyList<IngestTiming> Videos, int LargestFrameDifference);

/// <summary>
/// Times the silo's ingest code (<see cref="FfmpegVideoIngestor"/>: probe, <see cref="ClipPlan"/>, one-pass extraction
/// of every clip's frames file and thumbnail, exactly as the video grain calls it) against <see cref="PlainFfmpegSplit"/>
/// on the same files, alternating which goes first, after one untimed run of each; and the CPU of the ingest's child
/// processes beside that of the same ingest decoding every picture (<see cref="IngestOptions.SkipUnusedFrames"/> off).
/// </summary>
public sealed class IngestBenchmark(IngestOptions options, string workFolder)
{
    private readonly FfmpegVideoIngestor _ingestor = new(Options.Create(options), NullLogger<FfmpegVideoIngestor>.Instance);

    private readonly FfmpegVideoIngestor _decodingAll = new(
        Options.Create(DecodingEveryPicture(options)), NullLogger<FfmpegVideoIngestor>.Instance);
    private readonly PlainFfmpegSplit _plain = new(options);

    public async Task<IngestBenchmarkResult> RunAsync(
        IReadOnlyList<string> videos, int repeats, Action<double, double, string> progress, CancellationToken cancellationToken)
    {
        var ingestTimes = videos.Select(_ => new List<double>()).ToArray();
        var plainTimes = videos.Select(_ => new List<double>()).ToArray();
        var decodeTimes = videos.Select(_ => new List<double>()).ToArray();
        var ingestCpu = videos.Select(_ => new List<double>()).ToArray();
        var decodingAllCpu = videos.Select(_ => new List<double>()).ToArray();
        var lengths = new double[videos.Count];
        var clipCounts = new int[videos.Count];
        var largestDifference = 0;

        // Warm-up: JIT, the page cache, ffmpeg's shared libraries.
        await IngestAsync(_ingestor, videos[0], Scratch("warm-ingest"), cancellationToken);
        await IngestAsync(_decodingAll, videos[0], Scratch("warm-all"), cancellationToken);
        await _plain.RunAsync(videos[0], Scratch("warm-plain"), cancellationToken);
        Clear();

        var done = 0;
        for (var repeat = 0; repeat < repeats; repeat++)
        {
            for (var v = 0; v < videos.Count; v++)
            {
                progress(done++, repeats * videos.Count, Path.GetFileName(videos[v]));
                var ingestFolder = Scratch("ingest");
                var plainFolder = Scratch("plain");
                var ingestFirst = (repeat + v) % 2 == 0;
                IngestedVideo ingested = null!;
                IReadOnlyList<PlannedClip> plan = [];
                for (var turn = 0; turn < 2; turn++)
                {
                    var clock = Stopwatch.StartNew();
                    if ((turn == 0) == ingestFirst)
                    {
                        var children = PlatformCpu.ChildrenSeconds();
                        ingested = await IngestAsync(_ingestor, videos[v], ingestFolder, cancellationToken);
                        ingestTimes[v].Add(clock.Elapsed.TotalSeconds);
                        ingestCpu[v].Add(PlatformCpu.ChildrenSeconds() - children);
                    }
                    else
                    {
                        plan = await _plain.RunAsync(videos[v], plainFolder, cancellationToken);
                        plainTimes[v].Add(clock.Elapsed.TotalSeconds);
                    }
                }
                // Last, so that they never warm the file for the two paths compared.
                var before = PlatformCpu.ChildrenSeconds();
                var decodedAll = await IngestAsync(_decodingAll, videos[v], Scratch("all"), cancellationToken);
                decodingAllCpu[v].Add(PlatformCpu.ChildrenSeconds() - before);
                var decodeClock = Stopwatch.StartNew();
                await _plain.DecodeOnlyAsync(videos[v], cancellationToken);
                decodeTimes[v].Add(decodeClock.Elapsed.TotalSeconds);
                if (repeat == 0)
                {
                    lengths[v] = ingested.Seconds;
                    clipCounts[v] = ingested.Clips.Count;
                    largestDifference = Math.Max(largestDifference, await CompareFramesAsync(ingested.Clips, plan, plainFolder, cancellationToken));
                    largestDifference = Math.Max(largestDifference, await CompareFramesAsync(decodedAll.Clips, plan, plainFolder, cancellationToken));
                }
                Clear();
            }
        }
        progress(done, done, "");
        var rows = videos.Select((path, v) => new IngestTiming(
            Path.GetFileName(path), lengths[v], clipCounts[v], Statistics.Median(ingestTimes[v]), Statistics.Median(plainTimes[v]),
            Statistics.Median(decodeTimes[v]), Statistics.Median(ingestCpu[v]), Statistics.Median(decodingAllCpu[v]))).ToList();
        return new IngestBenchmarkResult(rows, largestDifference);
    }

    private sealed record IngestedVideo(double Seconds, IReadOnlyList<ExtractedClip> Clips);

    /// <summary>The grain's ffmpeg work for one video, without its database rows and messages.</summary>
    private async Task<IngestedVideo> IngestAsync(FfmpegVideoIngestor ingestor, string source, string clipsFolder, CancellationToken cancellationToken)
    {
        var probe = await ingestor.ProbeAsync(source, cancellationToken);
        var plan = ClipPlan.Plan(probe.FrameCount, probe.FrameRate, options.ClipLengthSeconds, options.OverlapSeconds, options.FramesPerClip);
        var clips = new List<ExtractedClip>(plan.Count);
        await foreach (var clip in ingestor.ExtractAsync(new ExtractionJob(source, clipsFolder, plan, options.FramesPerClip), cancellationToken))
        {
            clips.Add(clip);
        }
        return new IngestedVideo(probe.Duration, clips);
    }

    /// <summary>The largest byte difference between each ingested clip's frames and the same frames in the plain run's file.</summary>
    private async Task<int> CompareFramesAsync(
        IReadOnlyList<ExtractedClip> clips, IReadOnlyList<PlannedClip> plan, string plainFolder, CancellationToken cancellationToken)
    {
        if (clips.Count != plan.Count)
        {
            throw new InvalidOperationException($"ingest cut {clips.Count} clips where plain ffmpeg cut {plan.Count}");
        }
        var frameBytes = options.FrameWidth * options.FrameHeight * 3;
        var plainFrames = await File.ReadAllBytesAsync(PlainFfmpegSplit.FramesFile(plainFolder), cancellationToken);
        var order = plan.SelectMany(c => c.SampleFrames).Distinct().Order().ToList();
        var largest = 0;
        foreach (var clip in clips)
        {
            var ingested = await File.ReadAllBytesAsync(clip.FramesPath, cancellationToken);
            for (var t = 0; t < clip.Clip.SampleFrames.Count; t++)
            {
                var offset = order.BinarySearch(clip.Clip.SampleFrames[t]) * frameBytes;
                if (offset + frameBytes > plainFrames.Length)
                {
                    return byte.MaxValue;
                }
                var mine = ingested.AsSpan(t * frameBytes, frameBytes);
                var theirs = plainFrames.AsSpan(offset, frameBytes);
                for (var i = 0; i < frameBytes; i++)
                {
                    largest = Math.Max(largest, Math.Abs(mine[i] - theirs[i]));
                }
            }
        }
        return largest;
    }

    private static IngestOptions DecodingEveryPicture(IngestOptions options)
    {
        var copy = options.Copy();
        copy.SkipUnusedFrames = false;
        return copy;
    }

    private string Scratch(string name)
    {
        var folder = Path.Combine(workFolder, "runs", name);
        Directory.CreateDirectory(folder);
        return folder;
    }

    private void Clear()
    {
        var runs = Path.Combine(workFolder, "runs");
        if (Directory.Exists(runs)) Directory.Delete(runs, recursive: true);
    }
}
