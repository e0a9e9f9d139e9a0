using VideoCoca.Generation;
using static TorchSharp.torch;

namespace VideoCoca.Inference;

/// <summary>
/// Greedy decoding from the multimodal decoder, for a batch of clips that share a prompt (the start token, or a
/// question): a shorthand for <see cref="TextGenerator"/>, which also does beam search and sampling. With the
/// key-value cache each step feeds one new position; without it each step re-runs the prefix, as open_clip does: the
/// two give the same tokens.
/// </summary>
public sealed class CaptionGenerator(VideoCocaModel model, int startId, int endId, int padId)
{
    private readonly TextGenerator _generator = new(model, startId, endId, padId);

    /// <summary><see cref="TextGenerator.CopiedStepWeights"/>: the decoders' step layout before issue 13, for measuring.</summary>
    public bool CopiedStepWeights
    {
        get => _generator.CopiedStepWeights;
        set => _generator.CopiedStepWeights = value;
    }

    /// <param name="imageTokens">[B, Q, width] captioning tokens.</param>
    /// <param name="prompt">Ids after the start token that every row begins with (empty for a caption).</param>
    /// <returns>Per row the generated ids after the prompt, without the end token.</returns>
    public IReadOnlyList<long[]> Greedy(Tensor imageTokens, IReadOnlyList<int> prompt, int maxNewTokens, bool useCache = true) =>
        _generator.Generate(imageTokens, prompt, GenerationOptions.Greedy(maxNewTokens, useCache));

    /// <summary>Several texts over the same clips, the image context projected once (<see cref="TextGenerator.GenerateEach"/>).</summary>
    public IReadOnlyList<IReadOnlyList<long[]>> GenerateEach(Tensor imageTokens, IReadOnlyList<TextRequest> requests) =>
        _generator.GenerateEach(imageTokens, requests);

    /// <summary>The same texts as <see cref="GenerateEach"/>, as rows of one decode (<see cref="TextGenerator.GenerateTogether"/>).</summary>
    public IReadOnlyList<IReadOnlyList<long[]>> GenerateTogether(Tensor imageTokens, IReadOnlyList<TextRequest> requests) =>
        _generator.GenerateTogether(imageTokens, requests);

    /// <summary>Any strategy <see cref="GenerationOptions"/> describes.</summary>
    public IReadOnlyList<long[]> Generate(Tensor imageTokens, IReadOnlyList<int> prompt, GenerationOptions options) =>
        _generator.Generate(imageTokens, prompt, options);
}
