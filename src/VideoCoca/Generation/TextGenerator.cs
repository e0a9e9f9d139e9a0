using TorchSharp;
using VideoCoca.Inference;
using VideoCoca.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace VideoCoca.Generation;

/// <summary>One text to generate for every clip: the ids after the start token that it begins with, and how.</summary>
public sealed record TextRequest(IReadOnlyList<int> Prompt, GenerationOptions Options);

/// <summary>
/// Text from the multimodal decoder for a batch of clips that share a prompt (the start token, or a question): greedy,
/// beam search or sampling. With the key-value cache each step feeds the decoders only the new position; without it
/// each step re-runs the whole prefix, as open_clip does. Both give the same tokens.
/// </summary>
public sealed class TextGenerator
{
    private readonly VideoCocaModel _model;
    private readonly long _startId;
    private readonly long _endId;
    private readonly long _padId;
    private readonly Lazy<CpuStepWeights?> _cpuStepWeights;
    private readonly Lazy<CpuStepWeights?> _copiedStepWeights;

    public TextGenerator(VideoCocaModel model, int startId, int endId, int padId)
    {
        ArgumentNullException.ThrowIfNull(model);
        _model = model;
        _startId = startId;
        _endId = endId;
        _padId = padId;
        Lazy<CpuStepWeights?> StepWeightsOnCpu(bool copied) =>
            new(() => CpuStepLayout && model.LogitScale.device_type == DeviceType.CPU ? new CpuStepWeights(model, copied) : null);
        _cpuStepWeights = StepWeightsOnCpu(copied: false);
        _copiedStepWeights = StepWeightsOnCpu(copied: true);
    }

    /// <summary>
    /// On the CPU, cached steps run the decoders as one flat step (<see cref="CpuStepWeights"/>) over the model's own
    /// weights. Off: the steps run the model's own blocks through <see cref="DecoderCache"/>. Either way the tokens are
    /// the same.
    /// </summary>
    public bool CpuStepLayout { get; init; } = true;

    /// <summary>
    /// Cached CPU steps read [in, out] copies of the decoders' matrices with 3-D rows, the layout before issue 13
    /// (a snapshot of the weights, about the size of the text tower and decoder): kept for measuring the path before
    /// (<c>vcp model bench --path old</c>). The tokens are the same.
    /// </summary>
    public bool CopiedStepWeights { get; set; }

    /// <param name="imageTokens">[B, Q, width] captioning tokens of B clips.</param>
    /// <param name="prompt">Ids after the start token that every row begins with (empty for a caption).</param>
    /// <returns>Per clip the generated ids after the prompt, without the end token (none when the prompt fills the context).</returns>
    public IReadOnlyList<long[]> Generate(Tensor imageTokens, IReadOnlyList<int> prompt, GenerationOptions options) =>
        GenerateEach(imageTokens, [new TextRequest(prompt, options)])[0];

    /// <summary>
    /// Texts for several prompts over the same clips (a caption and the answers to questions), each with its own
    /// options, one generation per request (<see cref="GenerateTogether"/> runs them as rows of one decode): the image
    /// tokens' keys and values for every decoder layer's cross-attention are projected once for every request that
    /// uses the cache.
    /// </summary>
    /// <returns>Per request, what <see cref="Generate"/> returns for it.</returns>
    public IReadOnlyList<IReadOnlyList<long[]>> GenerateEach(Tensor imageTokens, IReadOnlyList<TextRequest> requests)
    {
        Validate(imageTokens, requests);
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        IReadOnlyList<(Tensor Keys, Tensor Values)>? projected = null;
        var texts = requests.Select(request => GenerateOne(imageTokens, request, ref projected)).ToList();
        // The caller's tokens may be a temporary: held until every step has read them (TensorLifetimes).
        GC.KeepAlive(imageTokens);
        return texts;
    }

    /// <summary>
    /// What <see cref="GenerateEach"/> returns, token for token, with every greedy and beam-search request that uses
    /// the cache decoded together: requests with the same options become rows of one decode (every clip's text, and
    /// with beam search each of its beams, a row), so that a step reads the decoders' weights once for all of them, and
    /// a text that has ended stops costing. Sampling (whose random draws follow the rows' order) and requests without
    /// the cache run one by one as in <see cref="GenerateEach"/>.
    /// </summary>
    public IReadOnlyList<IReadOnlyList<long[]>> GenerateTogether(Tensor imageTokens, IReadOnlyList<TextRequest> requests)
    {
        Validate(imageTokens, requests);
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var clips = (int)imageTokens.shape[0];
        var results = new IReadOnlyList<long[]>?[requests.Count];
        IReadOnlyList<(Tensor Keys, Tensor Values)>? projected = null;
        var joint = Enumerable.Range(0, requests.Count)
            .Where(r => requests[r].Options is { UseCache: true, Strategy: GenerationStrategy.Greedy or GenerationStrategy.Beam })
            .ToList();
        foreach (var r in Enumerable.Range(0, requests.Count).Except(joint)) results[r] = GenerateOne(imageTokens, requests[r], ref projected);

        foreach (var group in joint.GroupBy(r => requests[r].Options))
        {
            var rows = new List<(int Request, JointText Text)>();
            // Clip by clip, so that the rows of one clip sit together (see DecoderRows).
            for (var clip = 0; clip < clips; clip++)
            {
                foreach (var r in group)
                {
                    var (prefix, maxNewTokens) = Prefix(requests[r]);
                    if (maxNewTokens >= 1) rows.Add((r, new JointText(clip, prefix, maxNewTokens)));
                }
            }
            var perRequest = group.ToDictionary(r => r, _ => new List<long[]>(clips));
            if (rows.Count > 0)
            {
                projected ??= _model.TextDecoder.ProjectImageTokens(imageTokens);
                var decode = new JointDecode(_model, StepWeights(group.Key), projected, clips, rows.Select(row => row.Text).ToList(),
                    group.Key, _startId, _endId, _padId, (logits, tokens, generated) => Process(logits, tokens, generated, group.Key));
                var texts = decode.Run();
                for (var i = 0; i < rows.Count; i++) perRequest[rows[i].Request].Add(texts[i]);
            }
            foreach (var r in group)
            {
                // A prompt that fills the model's context leaves nothing to say.
                results[r] = perRequest[r].Count > 0 ? perRequest[r] : Enumerable.Range(0, clips).Select(_ => Array.Empty<long>()).ToList();
            }
        }
        GC.KeepAlive(imageTokens);
        return results.Select(r => r!).ToList();
    }

    private static void Validate(Tensor imageTokens, IReadOnlyList<TextRequest> requests)
    {
        ArgumentNullException.ThrowIfNull(imageTokens);
        ArgumentNullException.ThrowIfNull(requests);
        foreach (var request in requests)
        {
            ArgumentNullException.ThrowIfNull(request);
            ArgumentNullException.ThrowIfNull(request.Prompt);
            ArgumentNullException.ThrowIfNull(request.Options);
            request.Options.Validate();
        }
    }

    /// <summary>The start id and the prompt, and how many tokens may follow them in the model's context.</summary>
    private (long[] Prefix, int MaxNewTokens) Prefix(TextRequest request)
    {
        var prefix = new long[request.Prompt.Count + 1];
        prefix[0] = _startId;
        for (var i = 0; i < request.Prompt.Count; i++) prefix[i + 1] = request.Prompt[i];
        return (prefix, Math.Min(request.Options.MaxNewTokens, _model.Config.Text.ContextLength - prefix.Length));
    }

    /// <param name="projected">The image context for cross-attention, projected by the first request that needs it.</param>
    private List<long[]> GenerateOne(Tensor imageTokens, TextRequest request, ref IReadOnlyList<(Tensor Keys, Tensor Values)>? projected)
    {
        var options = request.Options;
        var (prefix, maxNewTokens) = Prefix(request);
        // A prompt that fills the model's context leaves nothing to say.
        if (maxNewTokens < 1) return Enumerable.Range(0, (int)imageTokens.shape[0]).Select(_ => Array.Empty<long>()).ToList();
        var imageContext = options.UseCache ? projected ??= _model.TextDecoder.ProjectImageTokens(imageTokens) : null;
        return options.Strategy == GenerationStrategy.Beam
            ? BeamSearch(imageTokens, imageContext, prefix, maxNewTokens, options)
            : TokenByToken(imageTokens, imageContext, prefix, maxNewTokens, options);
    }

    /// <summary>Greedy and sampling: each row keeps one text, chosen a token at a time.</summary>
    private List<long[]> TokenByToken(
        Tensor imageTokens, IReadOnlyList<(Tensor Keys, Tensor Values)>? imageContext, long[] prefix, int maxNewTokens, GenerationOptions options)
    {
        var batch = imageTokens.shape[0];
        using var decoder = StepDecoder.Create(_model, imageTokens, imageContext, rowsPerClip: 1, StepWeights(options));
        var device = imageTokens.device;
        using var generator = options.Strategy == GenerationStrategy.Sample ? NewGenerator(options.Seed, device) : null;
        var tokens = tensor(prefix, device: device).unsqueeze(0).repeat(batch, 1);
        var finished = zeros(batch, dtype: ScalarType.Bool, device: device);
        var generated = new List<long[]>();
        for (var step = 0; step < maxNewTokens; step++)
        {
            using var stepScope = NewDisposeScope();
            var logits = Process(decoder.NextLogits(tokens), tokens, step, options);
            Tensor next;
            if (options.Strategy == GenerationStrategy.Sample)
            {
                var filtered = LogitsProcessing.TopP(LogitsProcessing.TopK(logits / options.Temperature, options.TopK), options.TopP);
                next = F.softmax(filtered, 1).multinomial(1, generator: generator).squeeze(1);
            }
            else
            {
                next = logits.argmax(1);
            }
            next = next.masked_fill(finished, _padId);
            generated.Add(next.data<long>().ToArray());
            var grown = cat([tokens, next.unsqueeze(1)], 1);
            var nowFinished = finished.logical_or(next.eq(_endId));
            decoder.Keep(stepScope);
            stepScope.MoveToOuter(grown, nowFinished);
            tokens.Dispose();
            finished.Dispose();
            (tokens, finished) = (grown, nowFinished);
            if (finished.all().item<bool>()) break;
        }

        var rows = new List<long[]>((int)batch);
        for (var b = 0; b < batch; b++)
            rows.Add(generated.Select(step => step[b]).TakeWhile(id => id != _endId).ToArray());
        return rows;
    }

    /// <summary>
    /// Beam search: per clip the <see cref="GenerationOptions.Beams"/> best partial texts by summed log-probability;
    /// a text that ends joins the clip's finished ones, ranked by sum / length^<see cref="GenerationOptions.LengthPenalty"/>.
    /// A clip is done when it has as many finished texts as beams and no running one can still beat the worst of
    /// them; at the length limit the running texts are ranked with the finished ones.
    /// </summary>
    private List<long[]> BeamSearch(
        Tensor imageTokens, IReadOnlyList<(Tensor Keys, Tensor Values)>? imageContext, long[] prefix, int maxNewTokens, GenerationOptions options)
    {
        var batch = (int)imageTokens.shape[0];
        var beams = options.Beams;
        var rows = batch * beams;
        using var decoder = StepDecoder.Create(_model, imageTokens, imageContext, rowsPerClip: beams, StepWeights(options));
        var device = imageTokens.device;
        var tokens = tensor(prefix, device: device).unsqueeze(0).repeat(rows, 1);
        // At the start every beam of a clip holds the same text: only the first may grow, or all would pick the same tokens.
        var scores = new double[rows];
        for (var r = 0; r < rows; r++) scores[r] = r % beams == 0 ? 0 : -1e9;
        var finished = Enumerable.Range(0, batch).Select(_ => new FinishedTexts(beams, options.LengthPenalty)).ToArray();
        var done = new bool[batch];
        var generated = 0;
        var vocabulary = _model.Config.Text.VocabularySize;

        while (true)
        {
            using var stepScope = NewDisposeScope();
            var logits = Process(decoder.NextLogits(tokens), tokens, generated, options);
            var total = F.log_softmax(logits, 1) + tensor(scores, dtype: ScalarType.Float32, device: device).unsqueeze(1);
            var (topScores, topIndices) = total.view(batch, beams * (long)vocabulary).topk(2 * beams, dim: 1);
            var candidateScores = topScores.data<float>().ToArray();
            var candidateIndices = topIndices.data<long>().ToArray();
            var texts = Texts(tokens, prefix.Length);
            generated++;

            var sourceRows = new long[rows];
            var nextTokens = new long[rows];
            var nextScores = new double[rows];
            for (var b = 0; b < batch; b++)
            {
                if (done[b])
                {
                    for (var k = 0; k < beams; k++)
                    {
                        sourceRows[b * beams + k] = b * beams + k;
                        nextTokens[b * beams + k] = _padId;
                    }
                    continue;
                }
                finished[b].Continue(
                    candidateIndices.AsSpan(b * 2 * beams, 2 * beams), candidateScores.AsSpan(b * 2 * beams, 2 * beams), b * beams, vocabulary, _endId,
                    texts, generated, sourceRows.AsSpan(b * beams, beams), nextTokens.AsSpan(b * beams, beams), nextScores.AsSpan(b * beams, beams));
                done[b] = finished[b].IsDone(nextScores[b * beams], generated);
            }

            var order = tensor(sourceRows, device: device);
            decoder.Reorder(order);
            var grown = cat([tokens.index_select(0, order), tensor(nextTokens, device: device).unsqueeze(1)], 1);
            decoder.Keep(stepScope);
            stepScope.MoveToOuter(grown);
            tokens.Dispose();
            tokens = grown;
            scores = nextScores;
            if (done.All(d => d) || generated >= maxNewTokens) break;
        }

        var last = Texts(tokens, prefix.Length);
        var results = new List<long[]>(batch);
        for (var b = 0; b < batch; b++)
        {
            if (!done[b])
            {
                for (var k = 0; k < beams; k++) finished[b].Add(last[b * beams + k], scores[b * beams + k], generated);
            }
            results.Add(finished[b].Best());
        }
        return results;
    }

    private CpuStepWeights? StepWeights(GenerationOptions options) =>
        !options.UseCache ? null : CopiedStepWeights ? _copiedStepWeights.Value : _cpuStepWeights.Value;

    /// <summary>Repetition penalty, then the minimum length: what every strategy applies to the raw logits.</summary>
    private Tensor Process(Tensor logits, Tensor tokens, int generated, GenerationOptions options)
    {
        logits = LogitsProcessing.PenaliseRepeats(logits, tokens, options.RepetitionPenalty);
        return generated < options.MinLength ? LogitsProcessing.Forbid(logits, _endId) : logits;
    }

    private static long[][] Texts(Tensor tokens, int prefixLength)
    {
        var rows = (int)tokens.shape[0];
        var length = (int)tokens.shape[1];
        var all = tokens.data<long>().ToArray();
        var texts = new long[rows][];
        for (var r = 0; r < rows; r++) texts[r] = all.AsSpan(r * length + prefixLength, length - prefixLength).ToArray();
        return texts;
    }

    private static Generator NewGenerator(int? seed, Device device)
    {
        var generator = new Generator(0, device);
        if (seed is { } value) generator.manual_seed(value);
        else generator.seed();
        return generator;
    }

    /// <summary>One decoding step's logits for the last position of every row, with or without the key-value cache.</summary>
    private abstract class StepDecoder : IDisposable
    {
        /// <param name="imageContext">The image tokens projected for cross-attention (with the cache), or null (without).</param>
        public static StepDecoder Create(
            VideoCocaModel model, Tensor imageTokens, IReadOnlyList<(Tensor Keys, Tensor Values)>? imageContext, int rowsPerClip, CpuStepWeights? weights) =>
            imageContext is not null ? new Cached(model, imageContext, rowsPerClip, weights) : new Uncached(model, imageTokens, rowsPerClip);

        /// <param name="tokens">[rows, length]: every row's text so far.</param>
        /// <returns>[rows, vocabulary]: logits for the token after the last.</returns>
        public abstract Tensor NextLogits(Tensor tokens);

        /// <summary>Keeps the rows given, each a row of the same clip (beam search's reordering).</summary>
        public abstract void Reorder(Tensor rows);

        /// <summary>Moves what must outlive <paramref name="step"/> out of it, and frees what the step replaced.</summary>
        public abstract void Keep(DisposeScope step);

        public abstract void Dispose();

        private static Tensor PerRow(Tensor perClip, int rowsPerClip) =>
            rowsPerClip == 1 ? perClip : perClip.repeat_interleave(rowsPerClip, dim: 0);

        private sealed class Uncached : StepDecoder
        {
            private readonly VideoCocaModel _model;
            private readonly Tensor _imageTokens;

            public Uncached(VideoCocaModel model, Tensor imageTokens, int rowsPerClip)
            {
                _model = model;
                _imageTokens = PerRow(imageTokens, rowsPerClip);
            }

            public override Tensor NextLogits(Tensor tokens)
            {
                var logits = _model.CaptionLogits(_imageTokens, tokens);
                return logits.select(1, logits.shape[1] - 1).AsFloat32();
            }

            // The rows of one clip share its image tokens: nothing to move.
            public override void Reorder(Tensor rows) { }

            public override void Keep(DisposeScope step) { }

            public override void Dispose() { }
        }

        private sealed class Cached : StepDecoder
        {
            private readonly VideoCocaModel _model;
            private readonly CpuStepWeights? _weights;
            private readonly DecoderCache _cache;
            private readonly int _textLayers;
            // The caller's projected image context, shared by the requests of one GenerateEach: never moved or freed here.
            private readonly HashSet<Tensor> _borrowed;
            private List<Tensor> _held = [];
            private long _fed;

            public Cached(VideoCocaModel model, IReadOnlyList<(Tensor Keys, Tensor Values)> imageContext, int rowsPerClip, CpuStepWeights? weights)
            {
                _model = model;
                _weights = weights;
                _textLayers = model.Text.Transformer.Blocks.Count;
                _borrowed = new HashSet<Tensor>(imageContext.SelectMany(kv => new[] { kv.Keys, kv.Values }), ReferenceEqualityComparer.Instance);
                var context = imageContext.Select(kv => (PerRow(kv.Keys, rowsPerClip), PerRow(kv.Values, rowsPerClip))).ToList();
                _cache = new DecoderCache(_textLayers + model.TextDecoder.Layers, context, model.Config.Text.ContextLength);
                _held = Owned();
            }

            private List<Tensor> Owned() => _cache.Tensors().Where(t => !_borrowed.Contains(t)).ToList();

            public override Tensor NextLogits(Tensor tokens)
            {
                var length = tokens.shape[1];
                var feed = tokens.narrow(1, _fed, length - _fed);
                Tensor logits;
                if (_weights is not null)
                {
                    logits = _weights.Step(feed, _fed, _cache);
                }
                else
                {
                    var states = _model.Text.EncodeTokensCached(feed, _fed, _cache);
                    logits = _model.TextDecoder.ForwardCached(states, _fed, _cache, _textLayers);
                }
                _fed = length;
                return logits.select(1, logits.shape[1] - 1).AsFloat32();
            }

            // The rows of one clip share its image context, so only the self-attention keys and values move.
            public override void Reorder(Tensor rows) => _cache.SelectSelfAttention(rows);

            public override void Keep(DisposeScope step)
            {
                var now = Owned();
                step.MoveToOuter(now);
                var kept = now.ToHashSet(ReferenceEqualityComparer.Instance);
                foreach (var old in _held)
                {
                    if (!kept.Contains(old)) old.Dispose();
                }
                _held = now;
            }

            public override void Dispose()
            {
                foreach (var t in _held) t.Dispose();
                _held = [];
            }
        }
    }
}

/// <summary>A clip's (or a text's) finished beam-search texts, the best <c>beams</c> of them by length-normalised score.</summary>
internal sealed class FinishedTexts(int beams, double lengthPenalty)
{
    private readonly List<(long[] Ids, double Score)> _texts = [];

    /// <param name="ids">The generated ids before the end token (if any).</param>
    /// <param name="sumLogProbability">Summed log-probability of every generated token, the end token included.</param>
    /// <param name="length">Generated tokens, the end token included.</param>
    public void Add(long[] ids, double sumLogProbability, int length)
    {
        var score = sumLogProbability / Math.Pow(length, lengthPenalty);
        if (_texts.Count == beams && score <= _texts[^1].Score) return;
        var at = _texts.FindIndex(t => t.Score < score);
        _texts.Insert(at < 0 ? _texts.Count : at, (ids, score));
        if (_texts.Count > beams) _texts.RemoveAt(_texts.Count - 1);
    }

    /// <summary>As Hugging Face's beam search without early stopping: full, and the best running text, ended now, would not beat the worst.</summary>
    public bool IsDone(double bestRunningSum, int length) =>
        _texts.Count == beams && _texts[^1].Score >= bestRunningSum / Math.Pow(length, lengthPenalty);

    public long[] Best() => _texts.Count == 0 ? [] : _texts[0].Ids;

    /// <summary>
    /// One text's next beams from its 2 x beams best candidates of this step (best first; an index is beam x vocabulary
    /// + token over the text's rows, the first of which is <paramref name="firstRow"/>): an end token among the first
    /// <c>beams</c> candidates finishes its row's text here, any other candidate continues, until <c>beams</c> are kept.
    /// </summary>
    /// <param name="texts">Each row's generated ids so far.</param>
    /// <param name="generated">Tokens generated with this step's.</param>
    /// <returns>How many continuations were kept (fewer than <c>beams</c> only if too many candidates ended).</returns>
    public int Continue(
        ReadOnlySpan<long> candidateIndices, ReadOnlySpan<float> candidateScores, int firstRow, int vocabulary, long endId,
        IReadOnlyList<long[]> texts, int generated, Span<long> sources, Span<long> tokens, Span<double> scores)
    {
        var filled = 0;
        for (var rank = 0; rank < 2 * beams && filled < beams; rank++)
        {
            var index = candidateIndices[rank];
            var score = (double)candidateScores[rank];
            var source = firstRow + (int)(index / vocabulary);
            var token = index % vocabulary;
            if (token == endId)
            {
                // An end token ranked below the beam count would not have been kept as a running text either.
                if (rank < beams) Add(texts[source], score, generated);
                continue;
            }
            sources[filled] = source;
            tokens[filled] = token;
            scores[filled] = score;
            filled++;
        }
        return filled;
    }
}
