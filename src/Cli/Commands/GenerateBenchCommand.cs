using System.CommandLine;
using System.Diagnostics;
using VideoCoca.Cli.Console;
using VideoCoca.Configuration;
using VideoCoca.Generation;
using static TorchSharp.torch;

namespace VideoCoca.Cli.Commands;

/// <summary>
/// <c>vcp bench generate</c>: caption generation with and without the key-value cache on a model of a named size with
/// random weights, a fixed number of tokens a caption (the end token held off), greedy and beam search.
/// </summary>
public static class GenerateBenchCommand
{
    public static Command Create()
    {
        var size = new Option<string>("--size") { Description = $"model size: {string.Join(", ", ModelSizes.Names)}", DefaultValueFactory = _ => ModelSizes.CocaViTB32 };
        var tokens = new Option<int>("--tokens") { Description = "tokens generated per caption", DefaultValueFactory = _ => 30 };
        var beams = new Option<int>("--beams") { Description = "beams of the beam-search rows (0: greedy only)", DefaultValueFactory = _ => 3 };
        var runs = new Option<int>("--runs") { Description = "timed runs per row (the median is printed), after one warm-up", DefaultValueFactory = _ => 3 };
        var threads = new Option<int>("--threads") { Description = "torch threads", DefaultValueFactory = _ => Environment.ProcessorCount };
        var seed = new Option<int>("--seed") { Description = "seed of the random weights and image", DefaultValueFactory = _ => 1 };
        var command = new Command("generate", "caption generation with and without the key-value cache: seconds per caption and the speed-up")
        {
            size, tokens, beams, runs, threads, seed,
        };
        command.SetGuardedAction((parse, cancellationToken) =>
        {
            var name = parse.GetValue(size)!;
            if (!ModelSizes.Names.Contains(name)) throw new UserInputException($"--size must be one of {string.Join(", ", ModelSizes.Names)}, not '{name}'");
            var config = ModelSizes.Get(name);
            var count = parse.GetValue(tokens);
            if (count < 1 || count >= config.Text.ContextLength)
                throw new UserInputException($"--tokens must be between 1 and {config.Text.ContextLength - 1} for {name}");
            var beamCount = parse.GetValue(beams);
            var runCount = parse.GetValue(runs);
            if (beamCount < 0 || runCount < 1) throw new UserInputException("--beams must be at least 0 and --runs at least 1");
            set_num_threads(Math.Max(1, parse.GetValue(threads)));
            manual_seed(parse.GetValue(seed));

            using var model = new VideoCocaModel(config);
            model.eval();
            Tensor image;
            using (no_grad())
            {
                image = model.EncodeVideo(randn([1, 1, 3, config.Vision.ImageHeight, config.Vision.ImageWidth])).Tokens;
            }
            // Random weights know no words: CLIP's start and end ids for a CLIP-sized vocabulary, the last two ids otherwise.
            var vocabulary = config.Text.VocabularySize;
            var generator = new TextGenerator(model, startId: vocabulary - 2, endId: vocabulary - 1, padId: 0);
            var throughBlocks = new TextGenerator(model, startId: vocabulary - 2, endId: vocabulary - 1, padId: 0) { CpuStepLayout = false };
            var parameters = model.parameters().Sum(p => p.numel());
            System.Console.WriteLine($"caption generation, {name} with random weights ({parameters:N0} parameters), 1 clip, {count} tokens a caption, " +
                                     $"{get_num_threads()} threads, median of {runCount} runs");
            System.Console.WriteLine("strategy   cache              s/caption  ms/token  speed-up");

            var rows = new List<(string Label, GenerationOptions Options)> { ("greedy", new GenerationOptions { Strategy = GenerationStrategy.Greedy }) };
            if (beamCount > 0) rows.Add(($"beam {beamCount}", new GenerationOptions { Strategy = GenerationStrategy.Beam, Beams = beamCount }));
            var same = new List<string>();
            foreach (var (label, strategy) in rows)
            {
                var options = strategy with { MaxNewTokens = count, MinLength = count };
                double? uncachedSeconds = null;
                long[]? uncachedTokens = null;
                // Off: every step re-runs the prefix, as open_clip does. Blocks: the cache, stepping through the model's own
                // blocks. On: the cache with the CPU step layout (the default).
                foreach (var (cacheLabel, useCache, stepper) in new[] { ("off", false, generator), ("on, model blocks", true, throughBlocks), ("on", true, generator) })
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var run = options with { UseCache = useCache };
                    stepper.Generate(image, [], run with { MaxNewTokens = 2, MinLength = 2 });
                    var times = new List<double>();
                    long[] ids = [];
                    for (var r = 0; r < runCount; r++)
                    {
                        cancellationToken.ThrowIfCancellationRequested();
                        var clock = Stopwatch.StartNew();
                        ids = stepper.Generate(image, [], run)[0];
                        times.Add(clock.Elapsed.TotalSeconds);
                    }
                    var seconds = times.Order().ElementAt(times.Count / 2);
                    var speedUp = useCache && uncachedSeconds is { } slow ? $"{slow / seconds,7:0.0}x" : "";
                    System.Console.WriteLine($"{label,-10} {cacheLabel,-18} {seconds,10:0.000} {1000 * seconds / count,9:0.0} {speedUp}");
                    if (useCache) same.Add($"{label} ({cacheLabel}) {(ids.SequenceEqual(uncachedTokens!) ? "yes" : "NO")}");
                    else (uncachedSeconds, uncachedTokens) = (seconds, ids);
                }
            }
            System.Console.WriteLine($"same tokens with and without the cache: {string.Join(", ", same)}");
            return Task.FromResult(0);
        });
        return command;
    }
}
