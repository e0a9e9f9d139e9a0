using System.Text.Json;
using TorchSharp;
using VideoCoca.Configuration;
using VideoCoca.Inference;
using VideoCoca.Modules;
using VideoCoca.Tokenization;
using VideoCoca.Training;
using static TorchSharp.torch;

namespace VideoCoca.Checkpoints;

/// <summary>Where a resumable run stands: the step done, and the options it runs under.</summary>
public sealed record TrainingState(int Step, TrainingOptions Options);

/// <summary>A loaded model with everything inference needs beside its weights.</summary>
public sealed record LoadedModel(VideoCocaModel Model, ITextTokenizer Tokenizer, LabelSet Labels, string Folder);

/// <summary>
/// A model folder: <c>model.safetensors</c> (weights, open_clip's names), <c>config.json</c>, <c>tokenizer.json</c>
/// (a word vocabulary, or the path of CLIP's BPE merges file: see <see cref="TokenizerFiles"/>), <c>labels.json</c>
/// (actions and default questions), and, while training, <c>training/</c> with the optimizer's state. open_clip's
/// CoCa weights, saved as safetensors, are such a folder once <see cref="Import"/> adds the rest.
/// </summary>
public static class ModelCheckpoint
{
    public const string WeightsFile = "model.safetensors";
    public const string ConfigFile = "config.json";
    public const string TokenizerFile = "tokenizer.json";
    public const string LabelsFile = "labels.json";
    public const string TrainingFolder = "training";
    private const string OptimizerFile = "optimizer.bin";
    private const string StateFile = "state.json";

    public static void Save(string folder, VideoCocaModel model, ITextTokenizer tokenizer, LabelSet labels)
    {
        Directory.CreateDirectory(folder);
        var tensors = model.state_dict().Select(p => new KeyValuePair<string, Tensor>(p.Key, p.Value));
        SafeTensors.Save(Path.Combine(folder, WeightsFile), tensors, new Dictionary<string, string> { ["format"] = "pt", ["model"] = model.Config.Name });
        File.WriteAllText(Path.Combine(folder, ConfigFile), model.Config.ToJson());
        TokenizerFiles.Save(folder, tokenizer);
        File.WriteAllText(Path.Combine(folder, LabelsFile), labels.ToJson());
    }

    public static void SaveTrainingState(string folder, TorchSharp.Modules.OptimizerHelper optimizer, TrainingState state)
    {
        var training = Directory.CreateDirectory(Path.Combine(folder, TrainingFolder)).FullName;
        optimizer.save_state_dict(Path.Combine(training, OptimizerFile));
        File.WriteAllText(Path.Combine(training, StateFile), JsonSerializer.Serialize(state, ModelConfig.JsonOptions));
    }

    public static TrainingState? LoadTrainingState(string folder, TorchSharp.Modules.OptimizerHelper optimizer)
    {
        var training = Path.Combine(folder, TrainingFolder);
        var statePath = Path.Combine(training, StateFile);
        if (!File.Exists(statePath)) return null;
        optimizer.load_state_dict(Path.Combine(training, OptimizerFile));
        return JsonSerializer.Deserialize<TrainingState>(File.ReadAllText(statePath), ModelConfig.JsonOptions);
    }

    public static TrainingState? ReadTrainingState(string folder)
    {
        var statePath = Path.Combine(folder, TrainingFolder, StateFile);
        return File.Exists(statePath) ? JsonSerializer.Deserialize<TrainingState>(File.ReadAllText(statePath), ModelConfig.JsonOptions) : null;
    }

    public static ModelConfig ReadConfig(string folder)
    {
        var path = Path.Combine(folder, ConfigFile);
        if (!Directory.Exists(folder)) throw new UserInputException($"no such model folder: {folder}");
        if (!File.Exists(path)) throw new UserInputException($"{folder} is not a model folder: {ConfigFile} is missing");
        try { return ModelConfig.FromJson(File.ReadAllText(path)); }
        catch (JsonException e) { throw new UserInputException($"{path} is not a model config: {e.Message}"); }
    }

    /// <summary>Loads a model folder, checking every weight against the configuration's shapes.</summary>
    /// <param name="bpePath">CLIP's BPE merges file, used instead of the folder's tokenizer.json.</param>
    /// <param name="initialisation">
    /// How the model is made before its weights are read: <see cref="WeightInitialisation.None"/> (the default) skips
    /// drawing random weights that the file overwrites at once; <see cref="WeightInitialisation.Random"/> is how loading
    /// worked before, kept for measuring the difference (<c>vcp model bench</c>).
    /// </param>
    /// <param name="precision">The number format the model is built in; the file's float32 weights are converted as they are read.</param>
    public static LoadedModel Load(
        string folder, ModelConfig? expected = null, string? bpePath = null, WeightInitialisation initialisation = WeightInitialisation.None,
        InferencePrecision precision = InferencePrecision.Float32)
    {
        var config = ReadConfig(folder);
        if (expected is not null && (expected with { Name = config.Name }).ToJson() != config.ToJson())
            throw new UserInputException($"{folder} holds a '{config.Name}' model of other shapes than the one asked for");
        var tokenizer = TokenizerFiles.Load(folder, bpePath);
        if (tokenizer.VocabularySize > config.Text.VocabularySize)
            throw new UserInputException($"{folder}: the tokenizer has {tokenizer.VocabularySize} ids but the model only {config.Text.VocabularySize}");
        var model = Build(config, initialisation, precision);
        try
        {
            LoadWeights(model, Path.Combine(folder, WeightsFile));
        }
        catch
        {
            model.Dispose();
            throw;
        }
        var labelsPath = Path.Combine(folder, LabelsFile);
        var labels = File.Exists(labelsPath) ? LabelSet.FromJson(File.ReadAllText(labelsPath)) : LabelSet.World();
        return new LoadedModel(model, tokenizer, labels, folder);
    }

    // Built in the format asked for, rather than converted after: the modules keep their parameters in fields of
    // their own, which TorchSharp's Module.to does not replace, and a built model's weights are the file's anyway.
    private static VideoCocaModel Build(ModelConfig config, WeightInitialisation initialisation, InferencePrecision precision)
    {
        using var _ = NewWeights.MadeIn(precision.ScalarType());
        return new VideoCocaModel(config, initialisation);
    }

    /// <summary>
    /// Copies weights into <paramref name="model"/>, strictly: the first missing, misshapen or extra tensor (in that
    /// order of checks), or a damaged or truncated file, is an error naming it.
    /// </summary>
    public static void LoadWeights(VideoCocaModel model, string path)
    {
        if (!File.Exists(path)) throw new UserInputException($"weights file is missing: {path}");
        try
        {
            CopyWeights(model, path);
        }
        catch (SafeTensorsFormatException e)
        {
            throw new UserInputException(e.Message, e);
        }
    }

    private static void CopyWeights(VideoCocaModel model, string path)
    {
        using var file = SafeTensors.Open(path);
        var expected = model.state_dict();
        var present = file.Entries.ToDictionary(e => e.Name);
        foreach (var (name, target) in expected)
        {
            if (!present.TryGetValue(name, out var entry))
                throw new UserInputException($"{path}: weight '{name}' is missing (the checkpoint was made for another model)");
            if (!entry.Shape.SequenceEqual(target.shape))
                throw new UserInputException($"{path}: weight '{name}' has shape [{string.Join(", ", entry.Shape)}] but the model needs [{string.Join(", ", target.shape)}]");
        }
        var extra = present.Keys.FirstOrDefault(k => !expected.ContainsKey(k));
        if (extra is not null) throw new UserInputException($"{path}: weight '{extra}' is not part of this model");
        using var _ = no_grad();
        foreach (var (name, target) in expected)
        {
            // Straight into the model's own memory when the layouts agree, as they do for the checkpoints this project writes.
            if (file.TryLoadInto(name, target)) continue;
            using var source = file.Load(name);
            target.copy_(source);
        }
    }

    /// <summary>The open_clip CoCa sizes whose weights <see cref="Import"/> takes.</summary>
    public static IReadOnlyList<string> ImportableSizes { get; } = [ModelSizes.CocaViTB32, ModelSizes.CocaViTL14];

    /// <summary>
    /// Makes a model folder of open_clip CoCa weights saved as safetensors: the size's configuration (open_clip's
    /// legacy CLS mask, its preprocessing), the weights (checked strictly, then copied), CLIP's BPE merges file
    /// (copied, named by tokenizer.json) and, when given, a label set. The folder then loads like any other.
    /// </summary>
    public static ModelConfig Import(string weightsPath, string size, string bpePath, string folder, LabelSet? labels = null)
    {
        if (!ImportableSizes.Contains(size))
            throw new UserInputException($"'{size}' is not an open_clip CoCa size (known: {string.Join(", ", ImportableSizes)})");
        return Import(weightsPath, ModelSizes.Get(size), bpePath, folder, labels);
    }

    /// <summary>As the other overload, for a configuration given whole (the shapes must be those of the weights).</summary>
    public static ModelConfig Import(string weightsPath, ModelConfig config, string bpePath, string folder, LabelSet? labels = null)
    {
        if (!File.Exists(weightsPath)) throw new UserInputException($"no such weights file: {weightsPath}");
        var tokenizer = TokenizerFiles.LoadClipBpe(bpePath);
        // Made only to check the weights against, so nothing is drawn for it.
        using (var model = new VideoCocaModel(config, WeightInitialisation.None))
        {
            LoadWeights(model, weightsPath);
        }

        Directory.CreateDirectory(folder);
        var weightsTarget = Path.Combine(folder, WeightsFile);
        CopyWritable(weightsPath, weightsTarget);
        var mergesTarget = Path.Combine(folder, Path.GetFileName(tokenizer.SourcePath));
        CopyWritable(tokenizer.SourcePath, mergesTarget);
        File.WriteAllText(Path.Combine(folder, ConfigFile), config.ToJson());
        File.WriteAllText(Path.Combine(folder, TokenizerFile), TokenizerFiles.ClipBpeJson(Path.GetFileName(mergesTarget)));
        if (labels is not null) File.WriteAllText(Path.Combine(folder, LabelsFile), labels.ToJson());
        return config;
    }

    /// <summary>Copies a file into the folder as the folder's own: writable, whatever the source's permissions.</summary>
    private static void CopyWritable(string source, string target)
    {
        if (SamePath(source, target)) return;
        if (File.Exists(target)) File.SetAttributes(target, FileAttributes.Normal);
        File.Copy(source, target, overwrite: true);
        File.SetAttributes(target, FileAttributes.Normal);
    }

    private static bool SamePath(string a, string b) =>
        string.Equals(Path.GetFullPath(a), Path.GetFullPath(b), StringComparison.Ordinal);
}
