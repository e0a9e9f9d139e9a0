using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using VideoCoca.Checkpoints;
using VideoCoca.Configuration;
using VideoCoca.Contracts.Diagnostics;
using VideoCoca.Evaluation;
using VideoCoca.Generation;
using VideoCoca.Inference;
using VideoCoca.Modules;
using VideoCoca.Tokenization;
using VideoCoca.World;
using static TorchSharp.torch;

namespace VideoCoca.Cli.Benchmarks;

/// <summary>How the predictor generates a batch's texts, and how its model was loaded.</summary>
public enum GenerationPath
{
    /// <summary>Before issue 13: one generation per text (the caption, then each question) over the batch's clips; the model initialised at random before its weights were loaded.</summary>
    Old,

    /// <summary>The caption and every answer of every clip as rows of one decode; the model loaded without initialising it.</summary>
    New,

    /// <summary><see cref="New"/> with the model converted to bfloat16 (<see cref="InferencePrecision.BFloat16"/>).</summary>
    NewBFloat16,
}

/// <param name="ModelFolder">A model folder to measure, or null for random weights of <paramref name="Size"/>.</param>
/// <param name="Tokens">Tokens generated per text, the end token held off (fewer where a prompt leaves less of the context).</param>
public sealed record ModelBenchSettings(
    string? ModelFolder, string? Size, IReadOnlyList<int> Batches, int Tokens, IReadOnlyList<GenerationPath> Paths, int Iterations,
    int Seed, double PeakSeconds, bool Profile = false);

/// <summary>One profiled new-path predict of a batch: the decode's parts (<see cref="DecodeProfile"/>) and the predict's whole time.</summary>
public sealed record DecodeProfileMeasurement(int Batch, string Path, double PredictSeconds, int Steps, IReadOnlyList<DecodePart> Parts);

/// <summary>A part of the decode and the seconds it took over the batch's whole predict.</summary>
public sealed record DecodePart(string Part, double Seconds);

/// <summary>Loading a model folder in a fresh process: the time of the load alone, and the process's memory before and at its peak.</summary>
public sealed record LoadMeasurement(string Initialisation, double Seconds, double RssBeforeMb, double PeakRssMb);

/// <summary>Full predicts of one batch size through one path.</summary>
public sealed record PredictMeasurement(
    int Batch, string Path, IReadOnlyList<double> Seconds, double MedianSeconds, double ClipsPerSecond, double GflopPerClip,
    double Gflops, double ShareOfPeak, double? SpeedUp);

/// <summary>The encoder and poolers alone at one batch size, in one number format.</summary>
public sealed record EncodeMeasurement(int Batch, string Precision, double MedianSeconds, double ClipsPerSecond, double GflopPerClip, double Gflops, double ShareOfPeak);

public sealed record ModelBenchResult(
    string Model, bool RandomWeights, long Parameters, int Frames, int ImageWidth, int ImageHeight, int Threads, int Tokens,
    IReadOnlyList<string> Questions, IReadOnlyList<int> PromptLengths, double MatmulPeakGflops, double? MatmulPeakBFloat16Gflops, IReadOnlyList<LoadMeasurement> Loads,
    double PredictorStartSeconds, IReadOnlyList<EncodeMeasurement> Encodes, IReadOnlyList<PredictMeasurement> Predicts, bool? SameTexts,
    double? BFloat16SameTextShare, bool CpuHasBFloat16Matmul, double PeakRssMb, string LoadAverageBefore, string LoadAverageAfter, IReadOnlyList<DecodeProfileMeasurement> Profiles)
{
    public static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };
}

/// <summary>
/// What a worker's model does with a batch, measured both ways in one run: full predicts (caption, the label set's
/// questions, labels, embedding) of synthetic normalised frames at the model's input size, each text generated to a
/// fixed length, through today's path and the path before it; beside the machine's matrix-multiply peak measured in the
/// same run and the FLOPs the work needs (counted from the configuration by <see cref="FlopCounter"/>), and the cost of
/// loading the model with and without initialising it first.
/// </summary>
public static class ModelBenchmark
{
    /// <summary>Side of the square float32 matrices whose product measures the peak.</summary>
    public const int PeakMatrixSide = 2048;

    public static ModelBenchResult Run(ModelBenchSettings settings, Action<string> progress, CancellationToken cancellationToken)
    {
        var loadBefore = LoadAverage();
        string? temporary = null;
        try
        {
            var folder = settings.ModelFolder;
            if (folder is null)
            {
                temporary = Path.Combine(Path.GetTempPath(), $"vcp-model-bench-{Guid.NewGuid():N}");
                progress($"writing random {settings.Size} weights to {temporary}");
                WriteRandomModel(ModelSizes.Get(settings.Size!), temporary, settings.Seed);
                folder = temporary;
            }

            var loads = new List<LoadMeasurement>();
            foreach (var initialisation in new[] { WeightInitialisation.None, WeightInitialisation.Random })
            {
                cancellationToken.ThrowIfCancellationRequested();
                progress($"loading in a fresh process, initialisation {Name(initialisation)}");
                loads.Add(LoadInChild(folder, initialisation));
            }

            var loaded = ModelCheckpoint.Load(folder);
            using var model = loaded.Model;
            var config = model.Config;
            var context = config.Text.ContextLength;
            var tokens = new GenerationOptions { MaxNewTokens = settings.Tokens, MinLength = settings.Tokens };
            progress("making the predictor (embeds the label set's prompts once)");
            var startClock = Stopwatch.StartNew();
            var predictor = new VideoCocaPredictor(loaded, tokens, tokens);
            var predictorStart = startClock.Elapsed.TotalSeconds;
            // A second copy of the model in bfloat16: the float32 one stays for the other paths.
            var reducedLoaded = settings.Paths.Contains(GenerationPath.NewBFloat16) ? ModelCheckpoint.Load(folder, precision: InferencePrecision.BFloat16) : null;
            using var reduced = reducedLoaded?.Model;
            var reducedPredictor = reducedLoaded is null ? null : new VideoCocaPredictor(reducedLoaded, tokens, tokens);
            VideoCocaPredictor For(GenerationPath path) => path == GenerationPath.NewBFloat16 ? reducedPredictor! : predictor;

            progress($"matmul peak ({PeakMatrixSide}^3 float32, {settings.PeakSeconds:0.#} s)");
            var peak = MatmulPeakGflops(settings.PeakSeconds);
            // A bfloat16 path is measured against bfloat16's own peak: on AMX machines it is several times float32's.
            double? reducedPeak = reducedPredictor is null ? null : MatmulPeakGflops(settings.PeakSeconds, ScalarType.BFloat16);
            double PeakOf(VideoCocaPredictor p) => p.Precision == InferencePrecision.BFloat16 ? reducedPeak!.Value : peak;

            var questions = loaded.Labels.Questions;
            var promptLengths = questions.Select(q => loaded.Tokenizer.EncodeWords(q).Count + 1).ToList();
            var encodeFlops = FlopCounter.EncodeClip(config, config.Video.Frames);
            var clipFlops = encodeFlops + FlopCounter.ProjectImageContext(config)
                            + new[] { 1 }.Concat(promptLengths).Sum(prefix => FlopCounter.GenerateText(config, prefix, Math.Min(settings.Tokens, context - prefix)));

            // First calls allocate, and the first cached generation lays out the decoders' step weights: untimed.
            foreach (var path in settings.Paths)
            {
                progress($"warming up the {Name(path)} path with a batch of 1");
                using var warmUp = Frames(config, 1, settings.Seed);
                Predict(For(path), path, warmUp, questions);
            }

            var profiles = new List<DecodeProfileMeasurement>();
            var encodes = new List<EncodeMeasurement>();
            var predicts = new List<PredictMeasurement>();
            bool? sameTexts = settings.Paths.Contains(GenerationPath.Old) && settings.Paths.Contains(GenerationPath.New) ? true : null;
            var (sameAsFloat32, textsCompared) = (0, 0);
            foreach (var batch in settings.Batches)
            {
                using var frames = Frames(config, batch, settings.Seed + batch);
                foreach (var encoder in reducedPredictor is null ? [predictor] : new[] { predictor, reducedPredictor })
                {
                    var precision = encoder.Precision.Name();
                    var encodeSeconds = new List<double>();
                    for (var i = 0; i < settings.Iterations; i++)
                    {
                        cancellationToken.ThrowIfCancellationRequested();
                        var clock = Stopwatch.StartNew();
                        using (NewDisposeScope()) encoder.EmbedVideos(frames);
                        encodeSeconds.Add(clock.Elapsed.TotalSeconds);
                        progress($"batch {batch}: encode, {precision}, {encodeSeconds[^1]:0.00} s");
                    }
                    var encodeMedian = Statistics.Median(encodeSeconds);
                    encodes.Add(new EncodeMeasurement(batch, precision, encodeMedian, batch / encodeMedian, encodeFlops / 1e9,
                        batch * encodeFlops / encodeMedian / 1e9, batch * encodeFlops / encodeMedian / 1e9 / PeakOf(encoder)));
                }

                var seconds = settings.Paths.ToDictionary(p => p, _ => new List<double>());
                var texts = new Dictionary<GenerationPath, IReadOnlyList<ClipPrediction>>();
                for (var i = 0; i < settings.Iterations; i++)
                {
                    // Alternate which path goes first, so that a drift in the machine's load weighs on both.
                    var order = i % 2 == 0 ? settings.Paths : settings.Paths.Reverse().ToList();
                    foreach (var path in order)
                    {
                        cancellationToken.ThrowIfCancellationRequested();
                        var clock = Stopwatch.StartNew();
                        texts[path] = Predict(For(path), path, frames, questions);
                        seconds[path].Add(clock.Elapsed.TotalSeconds);
                        progress($"batch {batch}: {Name(path)} path {seconds[path][^1]:0.00} s");
                    }
                }
                if (sameTexts is not null) sameTexts &= SameTexts(texts[GenerationPath.Old], texts[GenerationPath.New]);
                var float32Texts = texts.TryGetValue(GenerationPath.New, out var n) ? n : texts.GetValueOrDefault(GenerationPath.Old);
                if (float32Texts is not null && texts.TryGetValue(GenerationPath.NewBFloat16, out var reducedTexts))
                {
                    var (same, compared) = CountSameTexts(float32Texts, reducedTexts);
                    sameAsFloat32 += same;
                    textsCompared += compared;
                }
                foreach (var path in settings.Paths)
                {
                    var median = Statistics.Median(seconds[path]);
                    double? speedUp = path != GenerationPath.Old && seconds.TryGetValue(GenerationPath.Old, out var old) ? Statistics.Median(old) / median : null;
                    var gflops = batch * clipFlops / median / 1e9;
                    predicts.Add(new PredictMeasurement(batch, Name(path), seconds[path], median, batch / median, clipFlops / 1e9, gflops, gflops / PeakOf(For(path)), speedUp));
                }
                foreach (var path in settings.Profile ? settings.Paths.Where(p => p != GenerationPath.Old) : [])
                {
                    // Apart from the timed predicts: the clocks around each operation cost a little of their own.
                    cancellationToken.ThrowIfCancellationRequested();
                    var profile = new DecodeProfile();
                    var clock = Stopwatch.StartNew();
                    using (profile.Activate()) Predict(For(path), path, frames, questions);
                    var total = clock.Elapsed.TotalSeconds;
                    profiles.Add(new DecodeProfileMeasurement(batch, Name(path), total, profile.Steps, profile.Parts.Select(p => new DecodePart(p.Part, p.Seconds)).ToList()));
                    progress($"batch {batch}: profiled {Name(path)} path {total:0.00} s");
                }
            }

            return new ModelBenchResult(
                config.Name, settings.ModelFolder is null, model.parameters().Sum(p => p.numel()), config.Video.Frames,
                config.Vision.ImageWidth, config.Vision.ImageHeight, get_num_threads(), settings.Tokens, questions, promptLengths, peak, reducedPeak, loads,
                predictorStart, encodes, predicts, sameTexts, textsCompared > 0 ? (double)sameAsFloat32 / textsCompared : null,
                InferencePrecisions.CpuHasBFloat16Matmul(), ProcessMemory.PeakRssMb(), loadBefore, LoadAverage(), profiles);
        }
        finally
        {
            if (temporary is not null && Directory.Exists(temporary)) Directory.Delete(temporary, recursive: true);
        }
    }

    public static string Name(GenerationPath path) => path switch
    {
        GenerationPath.Old => "old",
        GenerationPath.New => "new",
        _ => "new-bf16",
    };

    public static string Name(WeightInitialisation initialisation) => initialisation == WeightInitialisation.None ? "none" : "random";

    /// <summary>A model folder of random weights of <paramref name="config"/>'s shapes, with the world's word tokenizer and label set.</summary>
    public static void WriteRandomModel(ModelConfig config, string folder, int seed)
    {
        manual_seed(seed);
        var tokenizer = WordTokenizer.FromTexts(WorldVocabulary.AllTexts());
        config = config with { Text = config.Text with { VocabularySize = Math.Max(config.Text.VocabularySize, tokenizer.VocabularySize) } };
        using var model = new VideoCocaModel(config);
        ModelCheckpoint.Save(folder, model, tokenizer, LabelSet.World());
    }

    /// <summary>Loads the folder here and measures it; what the child process of <see cref="LoadInChild"/> runs.</summary>
    public static LoadMeasurement MeasureLoad(string folder, WeightInitialisation initialisation)
    {
        // libtorch's own start-up is a worker's cost whatever the model: paid before the clock starts.
        using (zeros(1)) { }
        var before = ProcessMemory.RssMb();
        var clock = Stopwatch.StartNew();
        var loaded = ModelCheckpoint.Load(folder, initialisation: initialisation);
        var seconds = clock.Elapsed.TotalSeconds;
        var peak = ProcessMemory.PeakRssMb();
        loaded.Model.Dispose();
        return new LoadMeasurement(Name(initialisation), seconds, before, peak);
    }

    /// <summary>
    /// <see cref="MeasureLoad"/> in a new vcp process (<c>vcp model bench-load</c>): a process's peak memory only
    /// grows, and freed memory is not all returned, so each load gets a process of its own, as a worker starting up does.
    /// </summary>
    private static LoadMeasurement LoadInChild(string folder, WeightInitialisation initialisation)
    {
        var host = Environment.ProcessPath ?? throw new InvalidOperationException("cannot tell which program is running");
        var start = new ProcessStartInfo(host) { RedirectStandardOutput = true, RedirectStandardError = true };
        if (Path.GetFileNameWithoutExtension(host) == "dotnet") start.ArgumentList.Add(typeof(ModelBenchmark).Assembly.Location);
        foreach (var argument in new[] { "model", "bench-load", "--model", folder, "--initialisation", Name(initialisation) }) start.ArgumentList.Add(argument);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {host}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"vcp model bench-load failed: {stderr.Result.Trim()}");
        return JsonSerializer.Deserialize<LoadMeasurement>(stdout.Result, ModelBenchResult.Json)
               ?? throw new InvalidOperationException("vcp model bench-load printed nothing");
    }

    private static IReadOnlyList<ClipPrediction> Predict(VideoCocaPredictor predictor, GenerationPath path, Tensor frames, IReadOnlyList<string> questions)
    {
        predictor.OneDecodeForAllTexts = path != GenerationPath.Old;
        using var scope = NewDisposeScope();
        return predictor.Predict(frames, questions);
    }

    private static bool SameTexts(IReadOnlyList<ClipPrediction> a, IReadOnlyList<ClipPrediction> b) =>
        a.Count == b.Count && a.Zip(b).All(p => p.First.Caption == p.Second.Caption && p.First.Answers.SequenceEqual(p.Second.Answers));

    /// <summary>How many of the captions and answers of <paramref name="b"/> equal <paramref name="a"/>'s, of how many.</summary>
    private static (int Same, int Compared) CountSameTexts(IReadOnlyList<ClipPrediction> a, IReadOnlyList<ClipPrediction> b)
    {
        var pairs = a.Zip(b).SelectMany(p => p.First.Answers.Select(x => x.Answer).Prepend(p.First.Caption)
            .Zip(p.Second.Answers.Select(x => x.Answer).Prepend(p.Second.Caption))).ToList();
        return (pairs.Count(p => p.First == p.Second), pairs.Count);
    }

    /// <summary>[batch, T, 3, H, W] of standard normal values: what normalised frames look like to the model.</summary>
    private static Tensor Frames(ModelConfig config, int batch, int seed)
    {
        using var generator = new Generator((ulong)seed);
        return randn([batch, config.Video.Frames, 3, config.Vision.ImageHeight, config.Vision.ImageWidth], generator: generator);
    }

    /// <summary>GFLOP/s of one large matrix product (float32 unless <paramref name="type"/> says), repeated for about <paramref name="seconds"/> after a warm-up.</summary>
    public static double MatmulPeakGflops(double seconds, ScalarType type = ScalarType.Float32)
    {
        using var scope = NewDisposeScope();
        var a = randn(PeakMatrixSide, PeakMatrixSide).to_type(type);
        var b = randn(PeakMatrixSide, PeakMatrixSide).to_type(type);
        using (NewDisposeScope()) a.matmul(b);
        var clock = Stopwatch.StartNew();
        var calls = 0;
        while (clock.Elapsed.TotalSeconds < seconds || calls < 2)
        {
            using (NewDisposeScope()) a.matmul(b);
            calls++;
        }
        return calls * 2.0 * Math.Pow(PeakMatrixSide, 3) / clock.Elapsed.TotalSeconds / 1e9;
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";
}
