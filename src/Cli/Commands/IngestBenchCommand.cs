using System.CommandLine;
using System.Globalization;
using VideoCoca.Cli.Benchmarks;
using VideoCoca.Cli.Console;
using VideoCoca.Ingest;

namespace VideoCoca.Cli.Commands;

/// <summary>
/// <c>vcp bench ingest</c>: the silo's ingest code against plain ffprobe and ffmpeg command lines doing the same split
/// and frame extraction, on world videos the command renders, per video and in total.
/// </summary>
public static class IngestBenchCommand
{
    /// <summary>The issue's aim: ingest within this factor of plain ffmpeg.</summary>
    private const double Aim = 1.3;

    public static Command Create()
    {
        var defaults = new IngestOptions();
        var videos = new BenchVideos(4, "world videos to render and split");
        var repeats = new Option<int>("--repeats") { Description = "timed runs per video and path (the median is printed), after one warm-up", DefaultValueFactory = _ => 5 };
        var length = new Option<double>("--clip-length") { Description = "seconds per clip", DefaultValueFactory = _ => defaults.ClipLengthSeconds };
        var overlap = new Option<double>("--overlap") { Description = "seconds of overlap between clips", DefaultValueFactory = _ => defaults.OverlapSeconds };
        var frames = new Option<int>("--frames") { Description = "frames per clip", DefaultValueFactory = _ => defaults.FramesPerClip };
        var command = new Command("ingest", "the silo's ingest (probe, split, frames, thumbnails) against plain ffmpeg doing the same: seconds and ratio")
        {
            repeats, length, overlap, frames,
        };
        foreach (var option in videos.Options) command.Options.Add(option);
        command.SetGuardedAction(async (parse, cancellationToken) =>
        {
            var sceneCount = videos.ScenesPerVideo(parse);
            var repeatCount = parse.GetValue(repeats);
            if (repeatCount < 1) throw new UserInputException("--repeats must be at least 1");
            var options = new IngestOptions
            {
                ClipLengthSeconds = parse.GetValue(length), OverlapSeconds = parse.GetValue(overlap), FramesPerClip = parse.GetValue(frames),
            };
            if (options.ClipLengthSeconds <= 0) throw new UserInputException("--clip-length must be positive");
            if (options.OverlapSeconds < 0 || options.OverlapSeconds >= options.ClipLengthSeconds)
                throw new UserInputException("--overlap must be at least 0 and less than --clip-length");
            if (options.FramesPerClip < 1) throw new UserInputException("--frames must be at least 1");

            var work = Directory.CreateTempSubdirectory("vcp-bench-ingest-").FullName;
            try
            {
                var files = await videos.GenerateAsync(parse, Path.Combine(work, "videos"), cancellationToken);
                var benchmark = new IngestBenchmark(options, work);
                var result = await CommandRunner.WithProgressAsync("timing", report => benchmark.RunAsync(files, repeatCount, report, cancellationToken));
                Print(result, options, sceneCount, repeatCount, videos.PictureSize(parse));
            }
            finally
            {
                Directory.Delete(work, recursive: true);
            }
            return 0;
        });
        return command;
    }

    private static void Print(IngestBenchmarkResult result, IngestOptions options, int scenes, int repeats, (int Width, int Height) size)
    {
        static string Number(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);
        System.Console.WriteLine(
            $"ingest against plain ffmpeg: {result.Videos.Count} world video{(result.Videos.Count == 1 ? "" : "s")} of {scenes} scenes ({size.Width}x{size.Height}, 25 fps), " +
            $"{Number(options.ClipLengthSeconds, "0.##")} s clips with {Number(options.OverlapSeconds, "0.##")} s overlap, " +
            $"{options.FramesPerClip} frames of {options.FrameWidth}x{options.FrameHeight} and a {options.ThumbnailWidth}-pixel JPEG thumbnail a clip; " +
            $"median of {repeats} runs after a warm-up; {Environment.ProcessorCount} cores");
        var rows = result.Videos.Select(v => (IReadOnlyList<string>)
        [
            v.File, Number(v.Seconds, "0.0"), v.Clips.ToString(CultureInfo.InvariantCulture),
            Number(v.IngestSeconds, "0.000"), Number(v.PlainSeconds, "0.000"), Number(v.Ratio, "0.00") + "x",
            Number(v.DecodeSeconds, "0.000"), Number(v.DecodeSeconds * 1000 / Math.Max(1, v.Clips), "0.0"),
            Number(v.IngestChildCpuSeconds * 1000 / Math.Max(1, v.Clips), "0.0"), Number(v.DecodingAllChildCpuSeconds * 1000 / Math.Max(1, v.Clips), "0.0"),
        ]).ToList();
        var ingest = result.Videos.Sum(v => v.IngestSeconds);
        var plain = result.Videos.Sum(v => v.PlainSeconds);
        var decode = result.Videos.Sum(v => v.DecodeSeconds);
        var clips = result.Videos.Sum(v => v.Clips);
        var decodeMsAClip = decode * 1000 / Math.Max(1, clips);
        var ingestCpuMsAClip = result.Videos.Sum(v => v.IngestChildCpuSeconds) * 1000 / Math.Max(1, clips);
        var decodingAllCpuMsAClip = result.Videos.Sum(v => v.DecodingAllChildCpuSeconds) * 1000 / Math.Max(1, clips);
        rows.Add(
        [
            "total", Number(result.Videos.Sum(v => v.Seconds), "0.0"), clips.ToString(CultureInfo.InvariantCulture),
            Number(ingest, "0.000"), Number(plain, "0.000"), Number(ingest / plain, "0.00") + "x",
            Number(decode, "0.000"), Number(decodeMsAClip, "0.0"), Number(ingestCpuMsAClip, "0.0"), Number(decodingAllCpuMsAClip, "0.0"),
        ]);
        MarkdownTable.Print(["video", ">video s", ">clips", ">ingest s", ">plain ffmpeg s", ">ratio", ">decode only s", ">decode ms a clip",
            ">ingest's child processes' CPU ms a clip", ">same, every picture decoded"], rows);
        System.Console.WriteLine(
            $"overall: ingest takes {Number(ingest / plain, "0.00")}x the time of plain ffmpeg (aim: at most {Number(Aim, "0.0")}x, " +
            $"{(ingest / plain <= Aim ? "met" : "not met")}); sampled frames identical to plain ffmpeg's: " +
            (result.LargestFrameDifference == 0 ? "yes" : $"no (bytes differ by up to {result.LargestFrameDifference})"));
        System.Console.WriteLine(
            $"decode only (every frame on one thread, nothing else: what a split that decodes every picture costs at least): {Number(decodeMsAClip, "0.0")} ms a clip; " +
            $"ingest's child processes (ffprobe, ffmpeg or split helpers): {Number(ingestCpuMsAClip, "0.0")} ms of CPU a clip, " +
            $"{Number(decodingAllCpuMsAClip, "0.0")} when they decode every picture (Ingest:SkipUnusedFrames off)");
    }
}
