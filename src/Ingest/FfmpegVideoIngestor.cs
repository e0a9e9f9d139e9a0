using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using FFMpegCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using VideoCoca.Ingest.Libav;

namespace VideoCoca.Ingest;

/// <summary>
/// Probes with FFMpegCore and splits each video in one decode, by a split helper (<see cref="SplitHelpers"/>) or else an
/// ffmpeg process of its own: the sampled frames, selected by number and scaled to the model's size, stream back while a
/// second output of the same decode writes the thumbnails.
/// Frames are numbered as the decoder produces them, which is what the probe counts (duration at the average rate).
/// </summary>
public sealed class FfmpegVideoIngestor(IOptions<IngestOptions> options, ILogger<FfmpegVideoIngestor> logger) : IVideoIngestor, IDisposable
{
    private const int PendingClips = 4;

    /// <summary>
    /// Frames piped besides the sampled ones, from just before the last sample to the last frame the probe promised:
    /// when the decoder stops short of the frames the probe promised, the last frame it did produce (when among these)
    /// stands in for the missing ones, and the last one piped tells how many frames decoded.
    /// </summary>
    private const int TailFrames = 32;

    /// <summary>ffmpeg's own <c>-max_error_rate</c>: the share of failed decodes past which it exits with 69.</summary>
    private const double DefaultMaxErrorRate = 2.0 / 3;

    private readonly IngestOptions _options = options.Value;
    private readonly SplitHelpers _helpers = new(options.Value.SplitHelpers, options.Value.SplitHelperWait, logger);

    /// <summary>The split helpers this ingestor uses (for tests and benches that look at them).</summary>
    public SplitHelpers Helpers => _helpers;

    public void Dispose() => _helpers.Dispose();

    public async Task<VideoProbe> ProbeAsync(string path, CancellationToken cancellationToken)
    {
        var name = Path.GetFileName(path);
        if (!File.Exists(path)) throw new IngestException($"the uploaded file '{name}' is missing");
        if (new FileInfo(path).Length == 0) throw new IngestException($"'{name}' is empty");
        IMediaAnalysis analysis;
        try
        {
            analysis = await FFProbe.AnalyseAsync(path, ffOptions: null, customArguments: null, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw new IngestException($"'{name}' is not a video ffmpeg can read ({FirstLine(e.Message)})", e);
        }
        var format = analysis.Format.FormatName ?? "";
        var stream = analysis.PrimaryVideoStream;
        if (stream is null)
        {
            throw new IngestException(analysis.AudioStreams.Count > 0
                ? $"'{name}' has no video stream (audio only)"
                : $"'{name}' has no video stream");
        }
        if (format == "tty" || stream.CodecName == "ansi")
        {
            throw new IngestException($"'{name}' is text, not a video");
        }
        if (format.EndsWith("_pipe", StringComparison.Ordinal) || format == "image2")
        {
            throw new IngestException($"'{name}' is a still image, not a video");
        }
        return FromStream(name, stream.AverageFrameRate, stream.Duration.TotalSeconds, analysis.Duration.TotalSeconds, stream.Width ?? 0, stream.Height ?? 0);
    }

    /// <summary>
    /// The probe of a video stream whose figures are known already (the gateway's ffprobe of the same file): frame rate,
    /// the stream's and the container's seconds, size. Throws <see cref="IngestException"/> for a video of zero duration.
    /// </summary>
    public static VideoProbe FromStream(string name, double averageFrameRate, double streamSeconds, double containerSeconds, int width, int height)
    {
        var frameRate = averageFrameRate > 0 && double.IsFinite(averageFrameRate) ? averageFrameRate : 25;
        var seconds = streamSeconds > 0 ? streamSeconds : containerSeconds;
        // The frames the decoder will number: the stream's duration at its average rate (exact for a constant-rate video).
        var frames = double.IsFinite(seconds) ? (int)Math.Round(seconds * frameRate) : 0;
        if (frames <= 0)
        {
            throw new IngestException($"'{name}' has zero duration");
        }
        return new VideoProbe(frames / frameRate, frameRate, frames, width, height);
    }

    public async IAsyncEnumerable<ExtractedClip> ExtractAsync(ExtractionJob job, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (job.Clips.Count == 0) yield break;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var channel = Channel.CreateBounded<ExtractedClip>(new BoundedChannelOptions(PendingClips) { SingleReader = true, SingleWriter = true });
        var producer = Task.Run(async () =>
        {
            try
            {
                await RunAsync(job, channel.Writer, stop.Token);
            }
            finally
            {
                channel.Writer.TryComplete();
            }
        }, CancellationToken.None);
        try
        {
            await foreach (var clip in channel.Reader.ReadAllAsync(cancellationToken))
            {
                yield return clip;
            }
        }
        finally
        {
            // The consumer stopped early or failed: stop ffmpeg too; its own failure surfaces below.
            await stop.CancelAsync();
            try
            {
                await producer;
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
            }
        }
    }

    private async Task RunAsync(ExtractionJob job, ChannelWriter<ExtractedClip> output, CancellationToken cancellationToken)
    {
        var size = job.Size ?? new FrameSize(_options.FrameWidth, _options.FrameHeight, _options.Resize);
        var (width, height) = (size.Width, size.Height);
        var frameBytes = width * height * 3;
        Directory.CreateDirectory(job.ClipsFolder);
        var work = Path.Combine(job.ClipsFolder, $".work-{Guid.NewGuid():N}");
        var thumbs = Path.Combine(work, "thumbs");
        Directory.CreateDirectory(thumbs);
        ISplitDecode? decode = null;
        try
        {
            var thumbFrames = job.Clips.Select(c => c.ThumbnailFrame).Distinct().Order().ToList();
            // Clips still to take each thumbnail: the last one moves it (creating a file costs far more than renaming one).
            var thumbnailUses = job.Clips.CountBy(c => c.ThumbnailFrame).ToDictionary();

            // Which clip slots each decoded frame fills.
            var wanted = new Dictionary<int, List<(int Clip, int Slot)>>();
            for (var c = 0; c < job.Clips.Count; c++)
            {
                var samples = job.Clips[c].SampleFrames;
                for (var t = 0; t < samples.Count; t++)
                {
                    if (!wanted.TryGetValue(samples[t], out var slots)) wanted[samples[t]] = slots = [];
                    slots.Add((c, t));
                }
            }
            // Only these frames are scaled and piped: scaling every decoded frame cost about as much as decoding it.
            var lastSample = wanted.Keys.Max();
            var tailStart = Math.Max(0, lastSample - TailFrames + 1);
            var tailEnd = Math.Max(lastSample, job.FrameCount - 1);
            var piped = wanted.Keys.Concat(Enumerable.Range(tailStart, tailEnd - tailStart + 1)).Distinct().Order().ToArray();
            // Pictures nothing refers to and the split does not keep need not be decoded (about half of a typical
            // encode's); the copy that leaves them out numbers the frames it does decode by their rank.
            var unused = _options.SkipUnusedFrames ? await CopyWithoutUnusedFramesAsync(job.SourcePath, piped.Concat(thumbFrames).ToHashSet(), work, cancellationToken) : null;
            var graph = unused is null
                ? FilterGraph(piped, thumbFrames, size)
                : FilterGraph(piped.Select(unused.Renumber).ToList(), thumbFrames.Select(unused.Renumber).ToList(), size);
            var source = unused?.Path ?? job.SourcePath;

            var buffers = new byte[job.Clips.Count][];
            var missing = job.Clips.Select(c => c.SampleFrames.Count).ToArray();
            var next = 0;

            var messages = new DecoderMessages();
            var expectedComplaints = unused is null ? null : new UnusedFramesCopy.Complaints(unused.BlankedPictures);
            void OnMessage(string line)
            {
                if (expectedComplaints?.Forgive(line) == true) return;
                messages.Add(line);
            }
            decode = await _helpers.StartAsync(
                new LibavSplitRequest(source, graph, thumbs, _options.DecoderThreads, _options.FilterThreads, unused is null ? DefaultMaxErrorRate : 1,
                    _options.SplitHelperFailAfterFrames > 0 ? _options.SplitHelperFailAfterFrames : null),
                cancellationToken) is { } helperRun
                ? new HelperDecode(helperRun, OnMessage, frameBytes)
                : await StartCommandAsync();

            // Two buffers: a short read at the end must not spoil the last whole frame.
            var frame = new byte[frameBytes];
            var incoming = new byte[frameBytes];
            var received = 0;
            // Frames decoded so far, as far as the piped ones tell: one past the number of the last piped frame.
            var decoded = 0;
            while (received < piped.Length && await NextFrameAsync(incoming))
            {
                (frame, incoming) = (incoming, frame);
                var number = piped[received++];
                decoded = number + 1;
                if (wanted.Remove(number, out var slots))
                {
                    foreach (var (clip, slot) in slots)
                    {
                        buffers[clip] ??= new byte[job.FramesPerClip * frameBytes];
                        frame.CopyTo(buffers[clip].AsSpan(slot * frameBytes));
                        missing[clip]--;
                    }
                }
                while (next < job.Clips.Count && missing[next] == 0 && ThumbnailReady(next))
                {
                    await EmitAsync(next++);
                }
            }
            int exitCode;
            try
            {
                exitCode = await decode!.FinishAsync(cancellationToken);
            }
            catch (Exception e) when (IsHelperFailure(e))
            {
                await FallBackAsync(e);
                exitCode = await decode!.FinishAsync(cancellationToken);
            }
            cancellationToken.ThrowIfCancellationRequested();
            var name = Path.GetFileName(job.SourcePath);
            // Decoding errors alone do not fail the video (ffmpeg skips or conceals a damaged slice and goes on); ffmpeg
            // itself failing does, and so does its -max_error_rate (most frames failing) ending it with a non-zero code.
            if (exitCode != 0)
            {
                throw new IngestException($"'{name}' could not be decoded: {messages.Last ?? $"ffmpeg exited with {exitCode}"}");
            }
            if (decoded == 0)
            {
                throw new IngestException($"'{name}' could not be decoded: no video frame decodes{(messages.First is { } first ? $" (ffmpeg: {first})" : "")}");
            }
            var expected = Math.Max(job.FrameCount, decoded);
            var failed = job.FrameCount > 0 ? expected - decoded : 0;
            if (failed > _options.MaxUndecodableFrameShare * expected)
            {
                throw new IngestException(
                    $"'{name}' could not be decoded: {failed} of {expected} frames did not decode, more than the " +
                    $"{_options.MaxUndecodableFrameShare:0.##%} allowed{(messages.First is { } first ? $" (ffmpeg: {first})" : "")}");
            }
            job.Warnings.Clear();
            job.Warnings.AddRange(messages.Summarize(failed, expected));
            if (job.Warnings.Count > 0)
            {
                logger.LogWarning("{File} decoded with warnings: {Warnings}", job.SourcePath, string.Join("; ", job.Warnings));
            }
            // The rest waited for thumbnails ffmpeg wrote last. Frames the probe promised but the decoder never produced
            // are filled with the last one, as the model's loader clamps to the frames it has.
            for (; next < job.Clips.Count; next++)
            {
                if (missing[next] > 0)
                {
                    logger.LogWarning("{File}: decoding ended by frame {Decoded}, before frames the probe promised; clip {Index} repeats the last frame",
                        job.SourcePath, decoded, job.Clips[next].Index);
                    var clip = job.Clips[next];
                    buffers[next] ??= new byte[job.FramesPerClip * frameBytes];
                    for (var t = 0; t < clip.SampleFrames.Count; t++)
                    {
                        if (clip.SampleFrames[t] >= decoded) frame.CopyTo(buffers[next].AsSpan(t * frameBytes));
                    }
                    missing[next] = 0;
                }
                await EmitAsync(next);
            }

            bool IsHelperFailure(Exception e) =>
                decode is HelperDecode && e is IOException or LibavSplitUnsupportedException && !cancellationToken.IsCancellationRequested;

            async Task<bool> NextFrameAsync(byte[] buffer)
            {
                try
                {
                    return await decode!.ReadFrameAsync(buffer, cancellationToken);
                }
                catch (Exception e) when (IsHelperFailure(e))
                {
                    await FallBackAsync(e);
                    return await decode!.ReadFrameAsync(buffer, cancellationToken);
                }
            }

            // The command splits the video from the start; the frames already taken from the helper are passed over.
            async Task FallBackAsync(Exception cause)
            {
                if (cause is LibavSplitUnsupportedException) logger.LogInformation("{File}: split by an ffmpeg process ({Reason})", job.SourcePath, cause.Message);
                else logger.LogWarning(cause, "{File}: the split helper failed after {Frames} frames; an ffmpeg process splits the video again", job.SourcePath, received);
                decode!.Dispose();
                messages = new DecoderMessages();
                expectedComplaints = unused is null ? null : new UnusedFramesCopy.Complaints(unused.BlankedPictures);
                decode = await StartCommandAsync();
                var scratch = new byte[frameBytes];
                for (var skipped = 0; skipped < received && await decode!.ReadFrameAsync(scratch, cancellationToken); skipped++)
                {
                }
            }

            async Task<ISplitDecode> StartCommandAsync()
            {
                var graphPath = Path.Combine(work, "graph.txt");
                await File.WriteAllTextAsync(graphPath, graph, cancellationToken);
                return new CommandDecode(Start(source, graphPath, thumbs, blanked: unused is not null), OnMessage, cancellationToken);
            }

            bool ThumbnailReady(int clip) =>
                job.Clips[clip].ThumbnailFrame >= decoded ? false : File.Exists(ThumbnailSource(clip));

            string ThumbnailSource(int clip) =>
                Path.Combine(thumbs, thumbFrames.BinarySearch(job.Clips[clip].ThumbnailFrame).ToString(CultureInfo.InvariantCulture) + ".jpg");

            async Task EmitAsync(int clip)
            {
                var planned = job.Clips[clip];
                var framesPath = Path.Combine(job.ClipsFolder, $"{planned.Index}.rgb");
                await WriteAtomicallyAsync(framesPath, buffers[clip], cancellationToken);
                buffers[clip] = [];
                string? thumbnailPath = null;
                var thumbnail = ThumbnailSource(clip);
                if (File.Exists(thumbnail))
                {
                    thumbnailPath = Path.Combine(job.ClipsFolder, $"{planned.Index}.jpg");
                    if (--thumbnailUses[planned.ThumbnailFrame] == 0)
                    {
                        File.Move(thumbnail, thumbnailPath, overwrite: true);
                    }
                    else
                    {
                        var temporary = thumbnailPath + ".tmp";
                        File.Copy(thumbnail, temporary, overwrite: true);
                        File.Move(temporary, thumbnailPath, overwrite: true);
                    }
                }
                await output.WriteAsync(new ExtractedClip(planned, framesPath, thumbnailPath), cancellationToken);
            }
        }
        finally
        {
            decode?.Dispose();
            TryDeleteFolder(work);
        }
    }

    private string FilterGraph(IReadOnlyList<int> pipedFrames, IReadOnlyList<int> thumbFrames, FrameSize size) =>
        $"[0:v]split=2[model][thumb];[model]{FfmpegFilters.SelectFrames(pipedFrames)},{FfmpegFilters.ModelScale(size)}[m];" +
        $"[thumb]{FfmpegFilters.SelectFrames(thumbFrames)},{FfmpegFilters.ThumbnailScale(_options)}[t]";

    /// <summary>The copy without the unreferenced pictures the split does not keep; null (decode the upload itself) when there is none or it cannot be made.</summary>
    private async Task<UnusedFramesCopy?> CopyWithoutUnusedFramesAsync(string source, IReadOnlySet<int> keep, string work, CancellationToken cancellationToken)
    {
        try
        {
            return await UnusedFrames.CopyAsync(FfprobePath(), source, keep, work, cancellationToken, _options.UseGatewayPackets);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.ComponentModel.Win32Exception)
        {
            // A full disk or a missing ffprobe costs speed, not the video.
            logger.LogWarning(e, "{File}: decoding every picture, the copy without unused ones could not be made", source);
            return null;
        }
    }

    private string FfprobePath() =>
        string.IsNullOrWhiteSpace(_options.FfmpegPath) ? "ffprobe" : Path.Combine(Path.GetDirectoryName(_options.FfmpegPath) ?? "", "ffprobe");

    private Process Start(string source, string graphPath, string thumbs, bool blanked)
    {
        var start = new ProcessStartInfo(string.IsNullOrWhiteSpace(_options.FfmpegPath) ? "ffmpeg" : _options.FfmpegPath)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // No -xerror: a damaged slice is the decoder's to skip or conceal; the frames that did not decode are counted instead.
        string[] arguments =
        [
            "-hide_banner", "-nostdin", "-v", "error",
            "-threads", _options.DecoderThreads.ToString(CultureInfo.InvariantCulture),
            .. _options.FilterThreads > 0 ? (string[])["-filter_complex_threads", _options.FilterThreads.ToString(CultureInfo.InvariantCulture)] : [],
            // ffmpeg counts each blanked picture as a failed packet: with them, the frames that fail are counted here only.
            .. blanked ? (string[])["-max_error_rate", "1"] : [],
            "-i", source,
            "-filter_complex_script", graphPath,
            // passthrough: the selected frames as they are, never duplicated or dropped to a constant rate.
            "-map", "[m]", "-an", "-fps_mode", "passthrough", "-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1",
            "-map", "[t]", "-an", "-fps_mode", "passthrough", "-q:v", "3",
            "-f", "image2", "-atomic_writing", "1", "-start_number", "0", Path.Combine(thumbs, "%d.jpg"),
        ];
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        return Process.Start(start) ?? throw new IngestException("ffmpeg could not be started");
    }

    private static async Task WriteAtomicallyAsync(string path, byte[] bytes, CancellationToken cancellationToken)
    {
        var temporary = path + ".tmp";
        await File.WriteAllBytesAsync(temporary, bytes, cancellationToken);
        File.Move(temporary, path, overwrite: true);
    }

    private static void Kill(Process process)
    {
        try
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
        }
    }

    private static void TryDeleteFolder(string folder)
    {
        try
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static string FirstLine(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault()?.Trim() ?? text;

    /// <summary>One decode of a split: the frames the graph's [m] output gives, the log as it comes, then the exit code.</summary>
    private interface ISplitDecode : IDisposable
    {
        /// <summary>The next frame into <paramref name="frame"/>; false once there are no more.</summary>
        Task<bool> ReadFrameAsync(byte[] frame, CancellationToken cancellationToken);

        /// <summary>Passes over the frames left and waits for the end: the exit code, every log line delivered.</summary>
        Task<int> FinishAsync(CancellationToken cancellationToken);
    }

    /// <summary>The ffmpeg command: frames on its standard output, its log on its standard error.</summary>
    private sealed class CommandDecode : ISplitDecode
    {
        private readonly Process _process;
        private readonly Task _errorReader;
        private readonly CancellationTokenRegistration _kill;

        public CommandDecode(Process process, Action<string> message, CancellationToken cancellationToken)
        {
            _process = process;
            _errorReader = Task.Run(async () =>
            {
                while (await process.StandardError.ReadLineAsync(CancellationToken.None) is { } line) message(line);
            }, CancellationToken.None);
            _kill = cancellationToken.Register(() => Kill(process));
        }

        public async Task<bool> ReadFrameAsync(byte[] frame, CancellationToken cancellationToken) =>
            await _process.StandardOutput.BaseStream.ReadAtLeastAsync(frame, frame.Length, throwOnEndOfStream: false, cancellationToken) == frame.Length;

        public async Task<int> FinishAsync(CancellationToken cancellationToken)
        {
            await _process.StandardOutput.BaseStream.CopyToAsync(Stream.Null, cancellationToken);
            await _process.WaitForExitAsync(cancellationToken);
            await _errorReader;
            return _process.ExitCode;
        }

        public void Dispose()
        {
            _kill.Dispose();
            Kill(_process);
            _process.Dispose();
        }
    }

    /// <summary>A split helper's run of the same split.</summary>
    private sealed class HelperDecode(SplitHelpers.SplitHelperRun run, Action<string> message, int frameBytes) : ISplitDecode
    {
        public Task<bool> ReadFrameAsync(byte[] frame, CancellationToken cancellationToken) => run.ReadFrameAsync(frame, message, cancellationToken);

        public async Task<int> FinishAsync(CancellationToken cancellationToken)
        {
            byte[]? scratch = null;
            while (run.ExitCode is null)
            {
                // Frames past the last one piped are rare (the graph selects them): passed over, as from the command.
                scratch ??= new byte[frameBytes];
                if (!await run.ReadFrameAsync(scratch, message, cancellationToken)) break;
            }
            return run.ExitCode ?? throw new IOException("the split helper ended without an exit code");
        }

        public void Dispose() => run.Dispose();
    }
}
