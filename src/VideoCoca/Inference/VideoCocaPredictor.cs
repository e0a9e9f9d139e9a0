using VideoCoca.Checkpoints;
using VideoCoca.Generation;
using VideoCoca.Tokenization;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace VideoCoca.Inference;

public sealed record LabelScore(string Label, float Confidence);

public sealed record QuestionAnswer(string Question, string Answer);

/// <summary>
/// A label's prompts (<see cref="LabelSet.PromptsFor"/>) and their L2-normalised text embeddings, in the same order, and
/// for a known action the model grounds in its captions the words a caption states it in (<see cref="StatedLabels"/>).
/// </summary>
public sealed record LabelPromptEmbeddings(string Label, IReadOnlyList<string> Prompts, IReadOnlyList<float[]> Vectors, IReadOnlyList<string>? StatedAs = null);

/// <summary>Everything the model says about one clip.</summary>
public sealed record ClipPrediction(string Caption, IReadOnlyList<LabelScore> Labels, IReadOnlyList<QuestionAnswer> Answers, float[] Embedding);

/// <summary>Runs a loaded model on batches of clips: caption, action labels, answers and embedding, in one encoder pass.</summary>
public sealed class VideoCocaPredictor
{
    private readonly VideoCocaModel _model;
    private readonly ITextTokenizer _tokenizer;
    private readonly LabelSet _labels;
    private readonly CaptionGenerator _generator;
    private readonly GenerationOptions? _captionOptions;
    private readonly GenerationOptions? _answerOptions;
    private readonly Tensor _promptEmbeddings;
    private readonly Tensor _promptToLabel;
    private readonly bool _labelsGrounded;
    private readonly Dictionary<ActionLabel, IReadOnlyList<float[]>> _actionPromptVectors = new(ReferenceEqualityComparer.Instance);

    /// <param name="captionOptions">How captions are generated; null: greedy, up to the model's context.</param>
    /// <param name="answerOptions">How answers are generated; null: greedy, up to the model's context.</param>
    public VideoCocaPredictor(LoadedModel loaded, GenerationOptions? captionOptions = null, GenerationOptions? answerOptions = null)
    {
        captionOptions?.Validate();
        answerOptions?.Validate();
        _captionOptions = captionOptions;
        _answerOptions = answerOptions;
        _model = loaded.Model;
        _model.eval();
        // The format the model was loaded in (ModelCheckpoint.Load's precision); frames are converted to it.
        Precision = _model.WeightType == ScalarType.BFloat16 ? InferencePrecision.BFloat16 : InferencePrecision.Float32;
        _tokenizer = loaded.Tokenizer;
        _labels = loaded.Labels;
        _labelsGrounded = StatedLabels.Apply(_labels.Actions);
        _generator = new CaptionGenerator(_model, _tokenizer.StartId, _tokenizer.EndId, _tokenizer.PadId);
        // Every prompt is embedded once. A label's confidence is the probability mass of its prompts, not the
        // similarity to their averaged embedding: the world's prompts are kinds of the label (a small red square
        // moving left, a large blue one...), and an average of kinds that the contrastive loss spread apart points
        // nowhere in particular. For prompts that are rewordings of one another the two agree closely.
        using var scope = NewDisposeScope();
        var prompts = _labels.Actions.SelectMany(a => a.Prompts).ToList();
        _promptEmbeddings = EmbedTexts(prompts).MoveToOuterDisposeScope();
        var membership = new float[prompts.Count, _labels.Actions.Count];
        var row = 0;
        for (var label = 0; label < _labels.Actions.Count; label++)
        {
            foreach (var _ in _labels.Actions[label].Prompts) membership[row++, label] = 1;
        }
        _promptToLabel = tensor(membership).MoveToOuterDisposeScope();
        // The same vectors on the CPU, for labels asked for after upload: scored from these, a known action gets exactly
        // the confidence Predict stored for it.
        var vectors = Rows(_promptEmbeddings);
        row = 0;
        foreach (var action in _labels.Actions)
        {
            _actionPromptVectors[action] = vectors.GetRange(row, action.Prompts.Count);
            row += action.Prompts.Count;
        }
    }

    public VideoCocaModel Model => _model;

    public InferencePrecision Precision { get; }

    /// <summary>
    /// How a batch's texts are generated: on (the default), the caption and every answer of every clip as rows of one
    /// decode (<see cref="TextGenerator.GenerateTogether"/>); off, the path before issue 13, kept for measuring the two
    /// side by side: one generation per text over the batch's clips (<see cref="TextGenerator.GenerateEach"/>), its
    /// steps reading [in, out] copies of the decoders' matrices (<see cref="TextGenerator.CopiedStepWeights"/>). The
    /// texts are the same either way.
    /// </summary>
    public bool OneDecodeForAllTexts
    {
        get => !_generator.CopiedStepWeights;
        set => _generator.CopiedStepWeights = !value;
    }
    public LabelSet Labels => _labels;

    /// <summary>L2-normalised text embeddings [N, E].</summary>
    public Tensor EmbedTexts(IEnumerable<string> texts)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var context = _model.Config.Text.ContextLength;
        var rows = texts.Select(t => _tokenizer.EncodeForModel(t, context)).ToList();
        var ids = new long[rows.Count, context];
        for (var r = 0; r < rows.Count; r++)
        for (var c = 0; c < context; c++) ids[r, c] = rows[r][c];
        return Normalised(_model.EncodeText(tensor(ids)).Pooled).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Each label's prompt embeddings, for scoring labels zero-shot after upload by the rule <see cref="Predict"/> scores
    /// the model's own labels with: a label of the label set by its prompts (the vectors Predict uses), any other label
    /// by its own text as its one prompt. A label's confidence is then the probability mass of its prompts under one
    /// softmax (scale x cosine, <see cref="LogitScale"/>) over the prompts of all labels asked together.
    /// </summary>
    public IReadOnlyList<LabelPromptEmbeddings> EmbedLabels(IReadOnlyList<string> labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        var actions = labels.Select(_labels.Find).ToList();
        var prompts = labels.Select(_labels.PromptsFor).ToList();
        // A known action's vectors are the ones made at start-up; the other labels' prompts are embedded in one batch.
        var others = Enumerable.Range(0, labels.Count).Where(i => actions[i] is null).SelectMany(i => prompts[i]).ToList();
        var otherVectors = new List<float[]>();
        if (others.Count > 0)
        {
            using var scope = NewDisposeScope();
            otherVectors = Rows(EmbedTexts(others));
        }
        var embedded = new List<LabelPromptEmbeddings>(labels.Count);
        var next = 0;
        for (var i = 0; i < labels.Count; i++)
        {
            if (actions[i] is { } action)
            {
                embedded.Add(new LabelPromptEmbeddings(labels[i], prompts[i], _actionPromptVectors[action], action.StatedAs));
            }
            else
            {
                embedded.Add(new LabelPromptEmbeddings(labels[i], prompts[i], otherVectors.GetRange(next, prompts[i].Count)));
                next += prompts[i].Count;
            }
        }
        return embedded;
    }

    private static List<float[]> Rows(Tensor matrix)
    {
        var values = matrix.cpu().data<float>().ToArray();
        var width = (int)matrix.shape[1];
        return Enumerable.Range(0, (int)matrix.shape[0]).Select(r => values.AsSpan(r * width, width).ToArray()).ToList();
    }

    /// <summary>L2-normalised video embeddings [B, E] in float32, the vectors <see cref="Predict"/> returns.</summary>
    /// <param name="frames">[B, T, 3, H, W] normalised.</param>
    public Tensor EmbedVideos(Tensor frames)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var embeddings = Normalised(_model.EncodeVideo(InModelFormat(frames)).Pooled).MoveToOuterDisposeScope();
        GC.KeepAlive(frames);
        return embeddings;
    }

    /// <param name="frames">[B, T, 3, H, W] normalised.</param>
    public IReadOnlyList<ClipPrediction> Predict(Tensor frames, IReadOnlyList<string>? questions = null, int topLabels = 3)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        questions ??= _labels.Questions;
        var visual = _model.EncodeVideo(InModelFormat(frames));
        var embeddings = Normalised(visual.Pooled);
        var probabilities = F.softmax(_model.ContrastiveScale().AsFloat32() * embeddings.matmul(_promptEmbeddings.t()), 1).matmul(_promptToLabel);
        var maxTokens = _model.Config.Text.ContextLength;
        // The caption and the answers share one projection of the image for the decoder's cross-attention.
        var greedy = GenerationOptions.Greedy(maxTokens, useCache: true);
        var texts = Generate(visual.Tokens,
            [new TextRequest([], _captionOptions ?? greedy), .. questions.Select(q => new TextRequest(_tokenizer.EncodeWords(q), _answerOptions ?? greedy))]);
        var captions = texts[0];
        var answers = texts.Skip(1).ToList();

        var batch = (int)frames.shape[0];
        var probs = probabilities.cpu().data<float>().ToArray();
        var embedded = embeddings.cpu().data<float>().ToArray();
        var labelCount = _labels.Actions.Count;
        var dim = (int)embeddings.shape[1];
        var results = new List<ClipPrediction>(batch);
        for (var b = 0; b < batch; b++)
        {
            var caption = Decode(captions[b]);
            var contrastive = probs.AsSpan(b * labelCount, labelCount);
            var confidences = _labelsGrounded ? StatedLabels.Confidences(_labels.Actions, contrastive, caption) : contrastive.ToArray();
            var labels = Enumerable.Range(0, labelCount)
                .Select(i => new LabelScore(_labels.Actions[i].Label, confidences[i]))
                .OrderByDescending(l => l.Confidence).Take(topLabels).ToList();
            var qa = questions.Select((q, i) => new QuestionAnswer(q, Decode(answers[i][b]))).ToList();
            results.Add(new ClipPrediction(caption, labels, qa, embedded.AsSpan(b * dim, dim).ToArray()));
        }
        return results;
    }

    /// <summary>The contrastive scale (exp of the learned temperature, clamped): softmax(scale x cosine) is the model's zero-shot probability.</summary>
    public double LogitScale
    {
        get
        {
            using var _ = no_grad();
            using var scale = _model.ContrastiveScale().AsFloat32();
            return scale.cpu().item<float>();
        }
    }

    /// <summary>
    /// One question's answer for each clip: the question-conditioned generation <see cref="Predict"/> runs for the
    /// questions asked at upload (greedy, with the cache), so an answer asked later reads as one asked then.
    /// </summary>
    /// <param name="frames">[B, T, 3, H, W] normalised.</param>
    public IReadOnlyList<string> Answer(Tensor frames, string question)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(question);
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var visual = _model.EncodeVideo(InModelFormat(frames));
        var greedy = GenerationOptions.Greedy(_model.Config.Text.ContextLength, useCache: true);
        var answers = Generate(visual.Tokens, [new TextRequest(_tokenizer.EncodeWords(question), greedy)])[0];
        // The caller's frames may be a temporary: held until the pass has read them (TensorLifetimes).
        GC.KeepAlive(frames);
        return answers.Select(Decode).ToList();
    }

    /// <summary>
    /// How likely the multimodal decoder finds <paramref name="text"/> as each clip's caption: the mean
    /// log-probability per token (its words and the end token) under teacher forcing, as CapPa scores zero-shot
    /// classes. The mean, not the sum, so that scores of texts of different lengths compare; higher is likelier.
    /// </summary>
    /// <param name="frames">[B, T, 3, H, W] normalised.</param>
    public IReadOnlyList<double> ScoreCaption(Tensor frames, string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var ids = _tokenizer.EncodeForModel(text, _model.Config.Text.ContextLength);
        // [start, words..., end, pad...]: the decoder reads start..last word and must predict words..end.
        var used = Array.IndexOf(ids, (long)_tokenizer.EndId, 1) + 1;
        var batch = frames.shape[0];
        var visual = _model.EncodeVideo(InModelFormat(frames));
        var input = tensor(ids[..(used - 1)]).unsqueeze(0).expand(batch, -1);
        var targets = tensor(ids[1..used]).unsqueeze(0).expand(batch, -1);
        var logProbabilities = F.log_softmax(_model.CaptionLogits(visual.Tokens, input).AsFloat32(), dim: -1);
        var perToken = logProbabilities.gather(-1, targets.unsqueeze(-1)).squeeze(-1);
        var scores = perToken.mean([1]).to_type(ScalarType.Float64).cpu().data<double>().ToArray();
        GC.KeepAlive(frames);
        return scores;
    }

    // Frames arrive as float32 from every loader; the model reads them in its own format.
    private Tensor InModelFormat(Tensor frames) =>
        frames.dtype == _model.WeightType ? frames : frames.to_type(_model.WeightType);

    // Embeddings leave the model as float32 unit vectors, whatever format it runs in.
    private static Tensor Normalised(Tensor pooled) => F.normalize(pooled.AsFloat32(), dim: -1);

    private IReadOnlyList<IReadOnlyList<long[]>> Generate(Tensor imageTokens, IReadOnlyList<TextRequest> requests) =>
        OneDecodeForAllTexts ? _generator.GenerateTogether(imageTokens, requests) : _generator.GenerateEach(imageTokens, requests);

    // CLIP's decoder leaves a space after every word: trimmed, a caption reads the same from either tokenizer.
    private string Decode(long[] ids) => _tokenizer.Decode(ids.Select(i => (int)i)).Trim();
}
