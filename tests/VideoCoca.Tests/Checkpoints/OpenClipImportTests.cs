using System.Text.RegularExpressions;
using VideoCoca.Checkpoints;
using VideoCoca.Configuration;
using VideoCoca.Inference;
using VideoCoca.Tokenization;
using static TorchSharp.torch;

namespace VideoCoca.Tests.Checkpoints;

public sealed partial class OpenClipImportTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("vcp-import-tests-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static string MergesPath => Path.Combine(TestPaths.SharedFolder, "clip-bpe", "bpe_simple_vocab_16e6.txt.gz");

    /// <summary>The code block of the shared layout file: one "name [d0, d1, ...]" a line.</summary>
    private static List<(string Name, long[] Shape)> LayoutFile()
    {
        var text = File.ReadAllText(Path.Combine(TestPaths.SharedFolder, "openclip-coca-keys.md"));
        var block = text.Split("```")[1];
        var entries = new List<(string, long[])>();
        foreach (var line in block.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var match = LayoutLine().Match(line);
            Assert.True(match.Success, $"unexpected layout line '{line}'");
            var dims = match.Groups[2].Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            entries.Add((match.Groups[1].Value, dims.Select(long.Parse).ToArray()));
        }
        return entries;
    }

    [GeneratedRegex(@"^(\S+) \[([0-9, ]*)\]$")]
    private static partial Regex LayoutLine();

    [Fact]
    public void TheCocaViTB32ModelHasExactlyTheKeysAndShapesOfOpenClipsStateDict()
    {
        using var testScope = NewDisposeScope();
        var layout = LayoutFile();
        Assert.Equal(629, layout.Count);
        using var model = new VideoCocaModel(ModelSizes.Get(ModelSizes.CocaViTB32));
        var ours = model.state_dict().ToDictionary(p => p.Key, p => p.Value.shape);
        var theirs = layout.ToDictionary(e => e.Name, e => e.Shape);
        Assert.Empty(theirs.Keys.Except(ours.Keys).Order());
        Assert.Empty(ours.Keys.Except(theirs.Keys).Order());
        foreach (var (name, shape) in theirs) Assert.True(shape.SequenceEqual(ours[name]), $"{name}: open_clip [{string.Join(", ", shape)}], ours [{string.Join(", ", ours[name])}]");
        Assert.Equal(253_560_065L, model.parameters().Sum(p => p.numel()));
        // What else open_clip's weights need: its shifted CLS padding mask and its preprocessing.
        Assert.True(model.Config.Text.LegacyClsMask);
        Assert.Equal(ResizeMode.ShortSideCentreCrop, model.Config.Preprocess.Resize);
        Assert.Equal([0.48145466f, 0.4578275f, 0.40821073f], model.Config.Preprocess.Mean);
        Assert.Equal([0.26862954f, 0.26130258f, 0.27577711f], model.Config.Preprocess.Std);
    }

    /// <summary>A small model whose vocabulary is CLIP's, so that a CLIP BPE folder can hold it.</summary>
    private static ModelConfig SmallClipConfig()
    {
        var tiny = ModelSizes.Get(ModelSizes.Tiny);
        return tiny with
        {
            Name = "small-clip",
            Vision = tiny.Vision with { Layers = 1 },
            Text = tiny.Text with { VocabularySize = 49408, Layers = 1, LegacyClsMask = true },
            Multimodal = tiny.Multimodal with { Layers = 1 },
        };
    }

    /// <summary>The refusal of loading the file into a new model, held while it loads (see <see cref="SaveWeights"/>).</summary>
    private static UserInputException LoadRefused(string path)
    {
        using var model = new VideoCocaModel(SmallClipConfig());
        return Assert.Throws<UserInputException>(() => ModelCheckpoint.LoadWeights(model, path));
    }

    private string SaveWeights(string name, Func<Dictionary<string, Tensor>, IEnumerable<KeyValuePair<string, Tensor>>> edit, out VideoCocaModel model)
    {
        manual_seed(5);
        model = new VideoCocaModel(SmallClipConfig());
        var path = Path.Combine(_folder, name);
        SafeTensors.Save(path, edit(model.state_dict()));
        // Held until its weights are written: TorchSharp's layers dispose their parameters when they are finalized.
        GC.KeepAlive(model);
        return path;
    }

    [Fact]
    public void WeightsTheProjectWritesLoadBackBitForBit()
    {
        using var testScope = NewDisposeScope();
        var path = SaveWeights("good.safetensors", d => d, out var source);
        using var target = new VideoCocaModel(SmallClipConfig());
        ModelCheckpoint.LoadWeights(target, path);
        var loaded = target.state_dict();
        foreach (var (name, tensor) in source.state_dict()) Assert.True(tensor.shape.SequenceEqual(loaded[name].shape) && tensor.eq(loaded[name]).all().item<bool>(), name);
    }

    [Fact]
    public void AMissingWeightIsRejectedByName()
    {
        using var testScope = NewDisposeScope();
        var path = SaveWeights("missing.safetensors", d => d.Where(p => p.Key != "visual.attn_pool.attn.k_proj_weight"), out _);
        var error = LoadRefused(path);
        Assert.Contains("'visual.attn_pool.attn.k_proj_weight' is missing", error.Message);
    }

    [Fact]
    public void AnExtraWeightIsRejectedByName()
    {
        using var testScope = NewDisposeScope();
        var path = SaveWeights("extra.safetensors", d => d.Append(new("text.attn_mask", zeros(3, 3))), out _);
        var error = LoadRefused(path);
        Assert.Contains("'text.attn_mask' is not part of this model", error.Message);
    }

    [Fact]
    public void AMisshapenWeightIsRejectedByNameAndShapes()
    {
        using var testScope = NewDisposeScope();
        var path = SaveWeights("misshapen.safetensors",
            d => d.Select(p => p.Key == "text.positional_embedding" ? new KeyValuePair<string, Tensor>(p.Key, zeros(p.Value.shape[0] + 1, p.Value.shape[1])) : p), out var model);
        var error = LoadRefused(path);
        var rows = model.Config.Text.ContextLength + 1;
        Assert.Contains($"'text.positional_embedding' has shape [{rows + 1}, 64] but the model needs [{rows}, 64]", error.Message);
    }

    [Fact]
    public void ATruncatedFileIsRejectedNamingTheFirstTensorItCuts()
    {
        using var testScope = NewDisposeScope();
        var path = SaveWeights("truncated.safetensors", d => d, out _);
        SafeTensorEntry last;
        long dataStart;
        using (var file = SafeTensors.Open(path))
        {
            last = file.Entries.MaxBy(e => e.End)!;
            dataStart = new FileInfo(path).Length - last.End;
        }
        // Cut the file inside the data of the tensor stored last.
        using (var stream = new FileStream(path, FileMode.Open)) stream.SetLength(dataStart + last.Begin + last.ByteLength / 2);
        var error = LoadRefused(path);
        Assert.Contains($"'{last.Name}'", error.Message);
    }

    [Fact]
    public void AFolderCanNameClipsBpeVocabularyAsItsTokenizer()
    {
        using var testScope = NewDisposeScope();
        var weights = SaveWeights("weights.safetensors", d => d, out var source);
        var folder = Path.Combine(_folder, "model");
        ModelCheckpoint.Import(weights, SmallClipConfig(), MergesPath, folder);
        Assert.Equal(SmallClipConfig().ToJson(), ModelCheckpoint.ReadConfig(folder).ToJson());
        Assert.Contains("\"clip-bpe\"", File.ReadAllText(Path.Combine(folder, ModelCheckpoint.TokenizerFile)));
        Assert.True(File.Exists(Path.Combine(folder, "bpe_simple_vocab_16e6.txt.gz")));

        var loaded = ModelCheckpoint.Load(folder);
        var tokenizer = Assert.IsType<ClipBpeTokenizer>(loaded.Tokenizer);
        Assert.Equal([320, 1125, 539, 320, 2368], tokenizer.EncodeWords("a photo of a cat"));
        Assert.True(loaded.Model.state_dict()["text.token_embedding.weight"].eq(source.state_dict()["text.token_embedding.weight"]).all().item<bool>());

        // Saved again (as training would), the folder still names the copy of the vocabulary beside the weights.
        ModelCheckpoint.Save(folder, loaded.Model, loaded.Tokenizer, loaded.Labels);
        Assert.IsType<ClipBpeTokenizer>(ModelCheckpoint.Load(folder).Tokenizer);

        // --bpe overrides, and a folder without tokenizer.json asks for it.
        File.Delete(Path.Combine(folder, ModelCheckpoint.TokenizerFile));
        var missing = Assert.Throws<UserInputException>(() => ModelCheckpoint.Load(folder));
        Assert.Contains("--bpe", missing.Message);
        Assert.IsType<ClipBpeTokenizer>(ModelCheckpoint.Load(folder, bpePath: MergesPath).Tokenizer);
    }

    [Fact]
    public void ImportRejectsWeightsOfAnotherModelBeforeWritingAnything()
    {
        using var testScope = NewDisposeScope();
        var weights = SaveWeights("other.safetensors", d => d.Where(p => !p.Key.StartsWith("text_decoder.cross_attn.0.", StringComparison.Ordinal)), out _);
        var folder = Path.Combine(_folder, "never");
        var error = Assert.Throws<UserInputException>(() => ModelCheckpoint.Import(weights, SmallClipConfig(), MergesPath, folder));
        Assert.Contains("text_decoder.cross_attn.0.", error.Message);
        Assert.False(Directory.Exists(folder));
        Assert.Throws<UserInputException>(() => ModelCheckpoint.Import(weights, ModelSizes.Tiny, MergesPath, folder));
        Assert.Throws<UserInputException>(() => ModelCheckpoint.Import(weights, SmallClipConfig(), Path.Combine(_folder, "no-such-vocab.txt.gz"), folder));
    }

    [Fact]
    public void AWorldModelFolderStillLoadsItsWordTokenizer()
    {
        using var testScope = NewDisposeScope();
        var tokenizer = WordTokenizer.FromTexts(["a small red square moves left"]);
        var config = ModelSizes.Get(ModelSizes.Tiny) with { Vision = ModelSizes.Get(ModelSizes.Tiny).Vision with { Layers = 1 } };
        var folder = Path.Combine(_folder, "world");
        ModelCheckpoint.Save(folder, new VideoCocaModel(config), tokenizer, LabelSet.World());
        var loaded = ModelCheckpoint.Load(folder);
        Assert.Equal(tokenizer.Words, Assert.IsType<WordTokenizer>(loaded.Tokenizer).Words);
    }
}
