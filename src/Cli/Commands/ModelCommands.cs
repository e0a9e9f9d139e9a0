using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using VideoCoca.Checkpoints;
using VideoCoca.Cli.Console;
using VideoCoca.Configuration;
using VideoCoca.Evaluation;
using VideoCoca.Inference;
using VideoCoca.Media;
using VideoCoca.Tokenization;
using VideoCoca.Training;
using VideoCoca.World;
using VideoCoca.World.EditionTwo;

namespace VideoCoca.Cli.Commands;

public static class ModelCommands
{
    public static Command Create() => new("model", "train, evaluate, run and measure VideoCoCa models")
    {
        Train(), Eval(), EvalSearch(), Caption(), BenchCommand.Create(), BenchCommand.CreateLoadProbe(), TokenizeCommand.Create(), Import(), Init(),
    };

    private static Command Train()
    {
        var output = new Option<DirectoryInfo>("--out") { Description = "model folder to write (and resume from)", Required = true };
        var size = new Option<string>("--size") { Description = $"model size for a new model: {string.Join(", ", ModelSizes.Names)}", DefaultValueFactory = _ => ModelSizes.Tiny };
        var init = new Option<DirectoryInfo?>("--init") { Description = "start from this model folder's weights (stage two starts from stage one)" };
        var stage = new Option<TrainingStage>("--stage") { Description = "image: pre-train image CoCa on single frames; video: adapt to clips", DefaultValueFactory = _ => TrainingStage.Video };
        var tuning = new Option<TuningMode>("--tuning") { Description = "what learns: full, frozen (poolers only) or lit (image encoder frozen)", DefaultValueFactory = _ => TuningMode.Full };
        var adaptation = new Option<string?>("--adaptation") { Description = "attentional-pooler or mean-pooling (default: the size's or the init model's)" };
        var temporal = new Option<bool?>("--temporal-embedding") { Description = "add a learned per-frame embedding before the poolers" };
        var gain = new Option<bool?>("--temporal-gain") { Description = "add a learned per-frame, per-channel gain on the tokens before the poolers" };
        var trend = new Option<bool?>("--temporal-trend") { Description = "add each frame's pooled tokens' trend over the clip, through a projection that starts at zero, to the pooled outputs" };
        var placement = new Option<string?>("--temporal-placement") { Description = "where the temporal embedding enters: pooler-input or encoder-input" };
        var cascade = new Option<bool?>("--cascade") { Description = "the paper's cascade: a one-query contrastive pooler over the captioning pooler (new models only)" };
        var imageSize = new Option<string?>("--image-size") { Description = "frame size WIDTHxHEIGHT the model reads, e.g. 64x64, multiples of the patch size (new models only; default: the size's)" };
        var stem = new Option<string?>("--stem") { Description = "how pixels become patch tokens: rgb (open_clip's) or value-colour (shape from each pixel's brightest channel, colour from each patch's mean; new models only)" };
        var steps = new Option<int>("--steps") { DefaultValueFactory = _ => 1000 };
        var batch = new Option<int>("--batch-size") { DefaultValueFactory = _ => 32 };
        var lr = new Option<double>("--lr") { DefaultValueFactory = _ => 1e-3 };
        var warmup = new Option<int>("--warmup") { DefaultValueFactory = _ => 50 };
        var seed = new Option<int>("--seed") { DefaultValueFactory = _ => 1 };
        var adaptationLr = new Option<double>("--adaptation-lr-scale") { Description = "learning rate of the temporal embedding relative to the rest", DefaultValueFactory = _ => 10 };
        var every = new Option<int>("--checkpoint-every") { DefaultValueFactory = _ => 200 };
        var twins = new Option<bool>("--reversed-twins") { Description = "video stage: pair every clip with itself played backwards (opposite motion in its caption)" };
        var world = new Option<int>("--world") { Description = "the shapes world's edition: 1 (one square) or 2 (one or two squares, circles, triangles; shared/world-v2.md)", DefaultValueFactory = _ => 1 };
        var questionsPerClip = new Option<int>("--questions-per-clip") { Description = "second world: question-answer rows per clip in a batch", DefaultValueFactory = _ => 2 };
        var wordNoise = new Option<double>("--word-noise") { Description = "second world: chance that each size, colour or shape word the decoder reads is swapped for a random one of its kind (targets stay true)", DefaultValueFactory = _ => 0 };
        var command = new Command("train", "train on the shapes world, rendered in memory; resumes when --out holds an unfinished run")
        {
            output, size, init, stage, tuning, adaptation, temporal, gain, trend, placement, cascade, imageSize, stem, steps, batch, lr, warmup, seed, adaptationLr, every, twins,
            world, questionsPerClip, wordNoise,
        };
        command.SetGuardedAction(async (parse, cancellationToken) =>
        {
            var folder = parse.GetValue(output)!.FullName;
            var options = new TrainingOptions
            {
                Stage = parse.GetValue(stage), Tuning = parse.GetValue(tuning), Steps = parse.GetValue(steps),
                BatchSize = parse.GetValue(batch), LearningRate = parse.GetValue(lr), WarmupSteps = parse.GetValue(warmup),
                Seed = parse.GetValue(seed), CheckpointEvery = parse.GetValue(every), AdaptationLearningRateScale = parse.GetValue(adaptationLr),
                ReversedTwins = parse.GetValue(twins), World = parse.GetValue(world), QuestionsPerClip = parse.GetValue(questionsPerClip),
                WordNoise = parse.GetValue(wordNoise),
            };
            if (options.World is not (1 or 2)) throw new UserInputException($"--world must be 1 or 2, not {options.World}");
            if (options.World == 2 && options.ReversedTwins) throw new UserInputException("--reversed-twins is for the first world only");
            if (options.WordNoise is < 0 or >= 1) throw new UserInputException("--word-noise must be at least 0 and below 1");
            if (options.World == 1 && options.WordNoise > 0) throw new UserInputException("--word-noise is for the second world only");
            if (options.QuestionsPerClip < 1) throw new UserInputException("--questions-per-clip must be at least 1");
            if (options.Steps < 1 || options.BatchSize < 2) throw new UserInputException("--steps must be at least 1 and --batch-size at least 2 (the contrastive loss needs negatives)");
            var frameSize = parse.GetValue(imageSize) is { } text ? ParseImageSize(text) : ((int Width, int Height)?)null;
            TorchSharp.torch.manual_seed(options.Seed);
            var resumed = ModelCheckpoint.ReadTrainingState(folder);
            // A resumed run or an --init model keeps its stem; naming that same stem is allowed, so that a stage's command can
            // be run again as it was to resume it.
            var kept = resumed is not null ? folder : parse.GetValue(init)?.FullName;
            if (parse.GetValue(stem) is { } keptStem && kept is not null && ParseStem(keptStem) != ModelCheckpoint.ReadConfig(kept).Vision.Stem)
                throw new UserInputException($"--stem {keptStem} differs from the stem of {kept}: a resumed run or an --init model keeps its stem");
            // The position embedding has one row per patch, so weights of one frame size cannot read another.
            if (frameSize is not null && (resumed is not null || parse.GetValue(init) is not null))
                throw new UserInputException("--image-size applies to a new model only: a resumed run or an --init model keeps its frame size");
            LoadedModel start;
            if (resumed is not null)
            {
                if (resumed.Options with { Steps = options.Steps } != options)
                    throw new UserInputException($"{folder} holds a run with other options; resume it with the same ones or train into a new folder");
                start = ModelCheckpoint.Load(folder);
                System.Console.Error.WriteLine($"resuming {folder} at step {resumed.Step}");
            }
            else if (parse.GetValue(init) is { } initFolder)
            {
                var config = ModelCheckpoint.ReadConfig(initFolder.FullName);
                var adapted = config with { Video = Adapt(config.Video, parse.GetValue(adaptation), parse.GetValue(temporal), parse.GetValue(gain), parse.GetValue(trend), parse.GetValue(placement)) };
                var loaded = ModelCheckpoint.Load(initFolder.FullName);
                start = loaded with { Model = WithVideoConfig(loaded.Model, adapted) };
            }
            else
            {
                var config = ModelSizes.Get(parse.GetValue(size)!);
                config = config with
                {
                    Video = Adapt(config.Video, parse.GetValue(adaptation), parse.GetValue(temporal), parse.GetValue(gain), parse.GetValue(trend), parse.GetValue(placement)),
                    Vision = config.Vision with
                    {
                        ContrastivePoolerCascade = parse.GetValue(cascade) ?? config.Vision.ContrastivePoolerCascade,
                        ImageWidth = frameSize?.Width ?? config.Vision.ImageWidth,
                        ImageHeight = frameSize?.Height ?? config.Vision.ImageHeight,
                        Stem = parse.GetValue(stem) is { } named ? ParseStem(named) : config.Vision.Stem,
                    },
                };
                if (config.Vision.ImageWidth % config.Vision.PatchSize != 0 || config.Vision.ImageHeight % config.Vision.PatchSize != 0)
                    throw new UserInputException($"--image-size must be multiples of the patch size ({config.Vision.PatchSize}), not {config.Vision.ImageWidth}x{config.Vision.ImageHeight}");
                start = NewWorldModel(config, folder, options.World);
            }

            TorchSharp.torch.set_num_threads(Environment.ProcessorCount);
            var trainer = new Trainer(start.Model, start.Tokenizer, start.Labels, options);
            await CommandRunner.WithProgressAsync($"training ({options.Stage}, {options.Tuning})", report =>
            {
                trainer.Progress += p => report(p.Step, p.TotalSteps,
                    $"loss {p.Loss:0.000} (con {p.ContrastiveLoss:0.000}, cap {p.CaptionLoss:0.000}) {p.ClipsPerSecond:0.0} clips/s (waiting for data {p.DataWaitShare:0%}) eta {p.Remaining:hh\\:mm\\:ss}");
                return Task.Run(() => { trainer.Run(folder, cancellationToken); return 0; }, cancellationToken);
            });
            System.Console.WriteLine($"saved {folder}");
            return 0;
        });
        return command;
    }

    private static VisionStem ParseStem(string text) => text.Trim().ToLowerInvariant() switch
    {
        "rgb" => VisionStem.Rgb,
        "value-colour" => VisionStem.ValueColour,
        _ => throw new UserInputException($"--stem must be rgb or value-colour, not '{text}'"),
    };

    private static (int Width, int Height) ParseImageSize(string text)
    {
        var parts = text.Split('x');
        if (parts.Length == 2
            && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var width)
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var height)
            && width > 0 && height > 0)
            return (width, height);
        throw new UserInputException($"--image-size must be WIDTHxHEIGHT in pixels, e.g. 64x64, not '{text}'");
    }

    private static VideoConfig Adapt(VideoConfig video, string? adaptation, bool? temporal, bool? gain, bool? trend, string? placement) => video with
    {
        TemporalPlacement = placement switch
        {
            null => video.TemporalPlacement,
            "pooler-input" => TemporalPlacement.PoolerInput,
            "encoder-input" => TemporalPlacement.EncoderInput,
            _ => throw new UserInputException($"--temporal-placement must be pooler-input or encoder-input, not '{placement}'"),
        },
        Adaptation = adaptation switch
        {
            null => video.Adaptation,
            "attentional-pooler" => VideoAdaptation.AttentionalPooler,
            "mean-pooling" => VideoAdaptation.MeanPooling,
            _ => throw new UserInputException($"--adaptation must be attentional-pooler or mean-pooling, not '{adaptation}'"),
        },
        TemporalEmbedding = temporal ?? video.TemporalEmbedding,
        TemporalGain = gain ?? video.TemporalGain,
        TemporalTrend = trend ?? video.TemporalTrend,
    };

    /// <summary>A model of the new video configuration carrying over every weight the old one had (a new temporal embedding starts at zero).</summary>
    private static VideoCocaModel WithVideoConfig(VideoCocaModel source, ModelConfig config)
    {
        var target = new VideoCocaModel(config);
        var weights = source.state_dict();
        using var _ = TorchSharp.torch.no_grad();
        foreach (var (name, tensor) in target.state_dict())
        {
            if (weights.TryGetValue(name, out var value)) tensor.copy_(value);
        }
        return target;
    }

    private static Command Eval()
    {
        var model = new Option<DirectoryInfo>("--model") { Required = true, Description = "model folder" };
        var data = new Option<DirectoryInfo>("--data") { Required = true, Description = "labelled set: videos and labels.jsonl" };
        var json = new Option<bool>("--json") { Description = "print one JSON object" };
        var batch = new Option<int>("--batch-size") { DefaultValueFactory = _ => 32 };
        var precision = new Option<string>("--precision") { Description = "float32 or bfloat16: the number format to run the model in (a worker's Worker:Precision)", DefaultValueFactory = _ => "float32" };
        var mistakes = new Option<FileInfo?>("--mistakes") { Description = "second world: write every clip the model got something wrong on to this file, a JSON object a line" };
        var command = new Command("eval", "score a model on a labelled world set") { model, data, json, batch, precision, mistakes };
        command.SetGuardedAction(async (parse, cancellationToken) =>
        {
            var format = InferencePrecisions.ParseOption(parse.GetValue(precision), "--precision");
            var folder = parse.GetValue(data)!.FullName;
            // The set is read before the model: a bad set is refused without waiting for the model to load.
            var secondEdition = LabelledSet.EditionOf(folder) == 2 ? Edition2LabelledSet.Load(folder) : null;
            var set = secondEdition is null ? LabelledSet.Load(folder) : null;
            if (set is not null && parse.GetValue(mistakes) is not null) throw new UserInputException("--mistakes is for second-world sets");
            var loaded = ModelCheckpoint.Load(parse.GetValue(model)!.FullName, precision: format);
            TorchSharp.torch.set_num_threads(Environment.ProcessorCount);
            var (predictor, clips) = (new VideoCocaPredictor(loaded), new ClipLoader(loaded.Model.Config));
            if (secondEdition is not null)
            {
                var evaluator2 = new Edition2Evaluator(predictor, clips);
                var file = parse.GetValue(mistakes);
                var wrong = file is null ? null : new List<Edition2Mistake>();
                PrintEdition2Report(await EvaluateWithProgressAsync(p => evaluator2.Progress += p,
                    () => evaluator2.EvaluateAsync(secondEdition, parse.GetValue(batch), cancellationToken, wrong)), parse.GetValue(json));
                if (file is not null)
                    await File.WriteAllLinesAsync(file.FullName, wrong!.Select(m => JsonSerializer.Serialize(m)), cancellationToken);
                return 0;
            }
            var evaluator = new WorldEvaluator(predictor, clips);
            var report = await EvaluateWithProgressAsync(p => evaluator.Progress += p,
                () => evaluator.EvaluateAsync(set!, parse.GetValue(batch), cancellationToken));
            if (parse.GetValue(json))
            {
                System.Console.WriteLine(JsonSerializer.Serialize(report));
            }
            else
            {
                System.Console.WriteLine($"clips                {report.Clips}");
                System.Console.WriteLine($"caption exact match  {report.CaptionExactMatch:0.000}");
                System.Console.WriteLine($"action top-1         {report.ActionTop1:0.000}");
                foreach (var (question, accuracy) in report.QaAccuracy) System.Console.WriteLine($"qa {question,-32} {accuracy:0.000}");
                System.Console.WriteLine($"text-to-video R@1    {report.TextToVideoR1:0.000}");
                System.Console.WriteLine($"clips per second     {report.ClipsPerSecond:0.0}");
                foreach (var error in report.Errors) System.Console.Error.WriteLine($"skipped: {error}");
            }
            return 0;
        });
        return command;
    }

    private static Task<T> EvaluateWithProgressAsync<T>(Action<Action<int, int>> subscribe, Func<Task<T>> evaluate) =>
        CommandRunner.WithProgressAsync("evaluating", progress =>
        {
            subscribe((done, total) => progress(done, total, ""));
            return evaluate();
        });

    private static void PrintEdition2Report(Edition2EvaluationReport report, bool json)
    {
        if (json)
        {
            System.Console.WriteLine(JsonSerializer.Serialize(report));
            return;
        }
        System.Console.WriteLine($"clips                {report.Clips}");
        System.Console.WriteLine($"caption exact match  {report.CaptionExactMatch:0.000}");
        System.Console.WriteLine($"action set exact     {report.ActionSetExact:0.000}");
        foreach (var (form, accuracy) in report.QaAccuracy) System.Console.WriteLine($"qa {form,-17} {accuracy:0.000}");
        System.Console.WriteLine($"text-to-video R@1    {report.TextToVideoR1:0.000}");
        System.Console.WriteLine($"search P@10          {(report.SearchPrecisionAt10 is { } p ? p.ToString("0.000", CultureInfo.InvariantCulture) : "none (no query lists a clip that was read)")}");
        System.Console.WriteLine($"clips per second     {report.ClipsPerSecond:0.0}");
        foreach (var error in report.Errors) System.Console.Error.WriteLine($"skipped: {error}");
    }

    private static Command EvalSearch()
    {
        var model = new Option<DirectoryInfo>("--model") { Required = true, Description = "model folder" };
        var data = new Option<DirectoryInfo>("--data") { Required = true, Description = "labelled set: videos and labels.jsonl" };
        var depth = new Option<int>("--depth") { Description = "contrastive candidates re-ranked per query", DefaultValueFactory = _ => 20 };
        var json = new Option<bool>("--json") { Description = "print one JSON array" };
        var command = new Command("eval-search", "text-to-video search on a labelled world set: the contrastive ranking against re-ranking by the decoder's likelihood")
        {
            model, data, depth, json,
        };
        command.SetGuardedAction(async (parse, cancellationToken) =>
        {
            if (parse.GetValue(depth) < 10) throw new UserInputException("--depth must be at least 10 (precision is counted in the top 10)");
            if (LabelledSet.EditionOf(parse.GetValue(data)!.FullName) == 2)
                throw new UserInputException("eval-search reads first-edition sets; vcp model eval reports search_precision_at_10 for a second-edition set");
            var set = LabelledSet.Load(parse.GetValue(data)!.FullName);
            var loaded = ModelCheckpoint.Load(parse.GetValue(model)!.FullName);
            TorchSharp.torch.set_num_threads(Environment.ProcessorCount);
            var evaluator = new SearchEvaluator(new VideoCocaPredictor(loaded), new ClipLoader(loaded.Model.Config));
            var rows = await CommandRunner.WithProgressAsync("evaluating search", progress =>
            {
                evaluator.Progress += (done, total) => progress(done, total, "");
                return evaluator.EvaluateAsync(set, parse.GetValue(depth), cancellationToken);
            });
            if (parse.GetValue(json))
            {
                System.Console.WriteLine(JsonSerializer.Serialize(rows));
                return 0;
            }
            System.Console.WriteLine($"{set.Labels.Count} clips; each query's contrastive top {parse.GetValue(depth)} re-ranked by the decoder's mean log-likelihood of the query");
            MarkdownTable.Print(["queries", ">count", ">R@1 contrastive", ">R@1 re-ranked", ">P@10 contrastive", ">P@10 re-ranked"], rows.Select(r => (IReadOnlyList<string>)
            [
                r.Queries, r.Count.ToString(CultureInfo.InvariantCulture),
                r.ContrastiveR1.ToString("0.000", CultureInfo.InvariantCulture), r.RerankedR1.ToString("0.000", CultureInfo.InvariantCulture),
                r.ContrastivePrecisionAt10.ToString("0.000", CultureInfo.InvariantCulture), r.RerankedPrecisionAt10.ToString("0.000", CultureInfo.InvariantCulture),
            ]));
            return 0;
        });
        return command;
    }

    private static Command Caption()
    {
        var model = new Option<DirectoryInfo>("--model") { Required = true, Description = "model folder" };
        var bpe = new Option<FileInfo?>("--bpe") { Description = "CLIP's BPE merges file, instead of the folder's tokenizer.json (open_clip weights)" };
        var length = new Option<double>("--clip-length") { Description = "seconds per clip", DefaultValueFactory = _ => 4 };
        var video = new Argument<FileInfo>("video") { Description = "video file" };
        var generation = new GenerationCliOptions();
        var command = new Command("caption", "print one caption per clip of a video") { model, bpe, length, video };
        generation.AddTo(command);
        command.SetGuardedAction(async (parse, cancellationToken) =>
        {
            var loaded = ModelCheckpoint.Load(parse.GetValue(model)!.FullName, bpePath: parse.GetValue(bpe)?.FullName);
            var options = generation.Read(parse, loaded.Model.Config.Text.ContextLength);
            TorchSharp.torch.set_num_threads(Environment.ProcessorCount);
            var loader = new ClipLoader(loaded.Model.Config);
            var clips = await loader.LoadAsync(parse.GetValue(video)!.FullName, parse.GetValue(length), cancellationToken: cancellationToken);
            var predictions = new VideoCocaPredictor(loaded, options).Predict(loader.ToBatch(clips), []);
            for (var i = 0; i < clips.Count; i++)
                System.Console.WriteLine($"{Timecode(clips[i].Start)}-{Timecode(clips[i].End)}  {predictions[i].Caption}");
            return 0;
        });
        return command;
    }

    private static Command Import()
    {
        var weights = new Option<FileInfo>("--weights") { Required = true, Description = "open_clip CoCa weights saved as safetensors (see docs/pretrained.md)" };
        var size = new Option<string>("--size") { Description = $"the weights' model: {string.Join(", ", ModelCheckpoint.ImportableSizes)}", DefaultValueFactory = _ => ModelSizes.CocaViTB32 };
        var bpe = new Option<FileInfo>("--bpe") { Required = true, Description = "CLIP's BPE merges file (bpe_simple_vocab_16e6.txt.gz), copied into the folder" };
        var labels = new Option<FileInfo?>("--labels") { Description = "labels.json: the actions to classify clips into and the default questions" };
        var output = new Option<DirectoryInfo>("--out") { Required = true, Description = "model folder to write" };
        var command = new Command("import", "make a model folder of open_clip CoCa weights: checks every key and shape, then copies the weights and the vocabulary")
        {
            weights, size, bpe, labels, output,
        };
        command.SetGuardedAction((parse, _) =>
        {
            var labelSet = parse.GetValue(labels) is { } file ? LabelSet.FromJson(File.ReadAllText(file.FullName)) : null;
            var folder = parse.GetValue(output)!.FullName;
            var config = ModelCheckpoint.Import(parse.GetValue(weights)!.FullName, parse.GetValue(size)!, parse.GetValue(bpe)!.FullName, folder, labelSet);
            System.Console.WriteLine($"imported {config.Name} into {folder}");
            return Task.FromResult(0);
        });
        return command;
    }

    /// <summary>A new model of <paramref name="config"/> with the world's word tokenizer, its vocabulary grown to fit, and the world's labels.</summary>
    private static LoadedModel NewWorldModel(ModelConfig config, string folder, int world = 1)
    {
        var tokenizer = WordTokenizer.FromTexts(world == 2 ? Edition2Vocabulary.AllTexts() : WorldVocabulary.AllTexts());
        config = config with { Text = config.Text with { VocabularySize = Math.Max(config.Text.VocabularySize, tokenizer.VocabularySize) } };
        return new LoadedModel(new VideoCocaModel(config), tokenizer, world == 2 ? LabelSet.SecondWorld() : LabelSet.World(), folder);
    }

    private static Command Init()
    {
        var size = new Option<string>("--size") { Required = true, Description = $"model size: {string.Join(", ", ModelSizes.Names)}" };
        var bpe = new Option<FileInfo?>("--bpe") { Description = "CLIP's BPE merges file, for the open_clip sizes (the tiny size gets the world's word tokenizer)" };
        var output = new Option<DirectoryInfo>("--out") { Required = true, Description = "model folder to write" };
        var seed = new Option<int>("--seed") { DefaultValueFactory = _ => 1 };
        var command = new Command("init", "write a model folder of random weights: real shapes for timing the platform without downloading weights")
        {
            size, bpe, output, seed,
        };
        command.SetGuardedAction((parse, _) =>
        {
            TorchSharp.torch.manual_seed(parse.GetValue(seed));
            var config = ModelSizes.Get(parse.GetValue(size)!);
            var folder = parse.GetValue(output)!.FullName;
            if (ModelCheckpoint.ImportableSizes.Contains(config.Name))
            {
                var merges = parse.GetValue(bpe) ?? throw new UserInputException($"{config.Name} takes CLIP's tokenizer: give --bpe FILE");
                // Written as open_clip's weights would be, then imported, so the folder is exactly what an import makes.
                var weights = Path.Combine(Path.GetTempPath(), $"vcp-init-{Guid.NewGuid():N}.safetensors");
                try
                {
                    using (var model = new VideoCocaModel(config)) SafeTensors.Save(weights, model.state_dict());
                    ModelCheckpoint.Import(weights, config.Name, merges.FullName, folder);
                }
                finally
                {
                    File.Delete(weights);
                }
            }
            else
            {
                var world = NewWorldModel(config, folder);
                using var model = world.Model;
                ModelCheckpoint.Save(folder, model, world.Tokenizer, world.Labels);
            }
            System.Console.WriteLine($"random {config.Name} written to {folder}");
            return Task.FromResult(0);
        });
        return command;
    }

    public static string Timecode(double seconds) => TimeSpan.FromSeconds(seconds).ToString(@"mm\:ss\.f");
}
