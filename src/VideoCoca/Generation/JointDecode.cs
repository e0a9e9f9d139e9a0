using TorchSharp;
using VideoCoca.Inference;
using VideoCoca.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace VideoCoca.Generation;

/// <summary>One text of a joint decode: the clip it describes, its ids up to the first generated one, and its length limit.</summary>
internal readonly record struct JointText(int Clip, long[] Prefix, int MaxNewTokens);

/// <summary>
/// Greedy or beam-search generation of many texts at once, over the clips of one batch: every text (a caption, an
/// answer, of any clip) is a row of the same steps (with beam search, each of its beams is), so each step reads the
/// decoders' weights once for all of them instead of once per text. Prompts of different lengths are left-padded to
/// the longest and each row keeps its own positions and pad mask (<see cref="DecoderRows"/>), so every text gets the
/// tokens it gets decoded alone. Rows whose text has ended leave the step's batch: beam search drops them at its
/// reordering, which copies the cache anyway; greedy decoding drops them once they are a fair share of the rows,
/// because dropping copies the cache of the rows that stay.
/// </summary>
internal sealed class JointDecode
{
    /// <summary>Greedy decoding drops ended rows once they are at least this share of the step's rows.</summary>
    private const double DropShare = 1.0 / 8;

    private readonly VideoCocaModel _model;
    private readonly CpuStepWeights? _weights;
    private readonly GenerationOptions _options;
    private readonly long _startId;
    private readonly long _endId;
    private readonly long _padId;
    private readonly Func<Tensor, Tensor, int, Tensor> _process;
    private readonly IReadOnlyList<JointText> _texts;
    private readonly int _prefixColumns;
    private readonly DecoderCache _cache;
    private readonly HashSet<Tensor> _borrowed;
    private readonly int _textLayers;
    private readonly Device _device;
    private List<Tensor> _held;

    /// <param name="imageContext">Per decoder layer, the keys and values of every clip's image tokens, [clips, heads, tokens, headDim]: borrowed, never freed here.</param>
    /// <param name="process">What every strategy applies to raw logits: (logits, tokens so far, tokens generated) to logits.</param>
    public JointDecode(
        VideoCocaModel model, CpuStepWeights? weights, IReadOnlyList<(Tensor Keys, Tensor Values)> imageContext, int clips,
        IReadOnlyList<JointText> texts, GenerationOptions options, long startId, long endId, long padId,
        Func<Tensor, Tensor, int, Tensor> process)
    {
        if (options.Strategy is not (GenerationStrategy.Greedy or GenerationStrategy.Beam))
            throw new ArgumentException("a joint decode is greedy or beam search");
        if (texts.Count == 0 || texts.Any(t => t.MaxNewTokens < 1 || t.Prefix.Length < 1))
            throw new ArgumentException("a joint decode needs texts, each with a prefix and room for a token");
        _model = model;
        _weights = weights;
        _options = options;
        _startId = startId;
        _endId = endId;
        _padId = padId;
        _process = process;
        _texts = texts;
        _device = imageContext[0].Keys.device;
        _prefixColumns = texts.Max(t => t.Prefix.Length);
        _textLayers = model.Text.Transformer.Blocks.Count;
        // The last generated token is never fed: the longest text fills prefix columns + its limit - 1.
        var capacity = _prefixColumns + texts.Max(t => t.MaxNewTokens) - 1;
        _cache = new DecoderCache(_textLayers + model.TextDecoder.Layers, imageContext, capacity);
        _borrowed = new HashSet<Tensor>(imageContext.SelectMany(kv => new[] { kv.Keys, kv.Values }), ReferenceEqualityComparer.Instance);
        var rowsPerText = Beams;
        var rowTexts = Enumerable.Range(0, texts.Count).SelectMany(t => Enumerable.Repeat(t, rowsPerText)).ToArray();
        _cache.Rows = new DecoderRows(
            rowTexts.Select(t => (long)(_prefixColumns - texts[t].Prefix.Length)).ToArray(),
            rowTexts.Select(t => texts[t].Clip).ToArray(),
            clips, model.Config.Text.ContextLength - 1, _device);
        _held = Owned();
    }

    private int Beams => _options.Strategy == GenerationStrategy.Beam ? _options.Beams : 1;

    /// <summary>Per text, the generated ids without the end token.</summary>
    public long[][] Run()
    {
        try
        {
            return _options.Strategy == GenerationStrategy.Beam ? BeamSearch() : Greedy();
        }
        finally
        {
            foreach (var t in _held) t.Dispose();
            _held = [];
        }
    }

    /// <summary>[rows, prefix columns]: each text's prefix, left-padded with the start id (already in every text, so the repetition penalty sees no new id).</summary>
    private Tensor PrefixTokens(int rowsPerText)
    {
        var ids = new long[_texts.Count * rowsPerText * _prefixColumns];
        for (var t = 0; t < _texts.Count; t++)
        {
            var prefix = _texts[t].Prefix;
            for (var k = 0; k < rowsPerText; k++)
            {
                var row = (t * rowsPerText + k) * _prefixColumns;
                Array.Fill(ids, _startId, row, _prefixColumns - prefix.Length);
                prefix.CopyTo(ids, row + _prefixColumns - prefix.Length);
            }
        }
        return tensor(ids, device: _device).view(_texts.Count * rowsPerText, _prefixColumns);
    }

    /// <summary>Logits [rows, vocabulary] for the token after the last of every row; the first step feeds the prefixes.</summary>
    private Tensor NextLogits(Tensor tokens, int generated)
    {
        var start = generated == 0 ? 0 : tokens.shape[1] - 1;
        var feed = tokens.narrow(1, start, tokens.shape[1] - start);
        Tensor logits;
        if (_weights is not null)
        {
            logits = _weights.Step(feed, start, _cache, lastOnly: true);
        }
        else
        {
            var states = _model.Text.EncodeTokensCached(feed, start, _cache);
            logits = _model.TextDecoder.ForwardCached(states, start, _cache, _textLayers);
        }
        return logits.select(1, logits.shape[1] - 1).AsFloat32();
    }

    private long[][] Greedy()
    {
        var generatedIds = _texts.Select(_ => new List<long>()).ToArray();
        // Rows in the step's batch: the text of each, and whether it has ended.
        var rowTexts = Enumerable.Range(0, _texts.Count).ToList();
        var ended = new bool[rowTexts.Count];
        var tokens = PrefixTokens(1);
        var limit = _texts.Max(t => t.MaxNewTokens);
        for (var step = 0; step < limit; step++)
        {
            using var stepScope = NewDisposeScope();
            var profile = DecodeProfile.Current;
            var stepLogits = NextLogits(tokens, step);
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            var logits = _process(stepLogits, tokens, step);
            var next = logits.argmax(1).data<long>().ToArray();
            profile?.Add("logits processing and token choice", started);
            started = System.Diagnostics.Stopwatch.GetTimestamp();
            var appended = new long[rowTexts.Count];
            for (var row = 0; row < rowTexts.Count; row++)
            {
                if (ended[row])
                {
                    appended[row] = _padId;
                    continue;
                }
                var text = rowTexts[row];
                appended[row] = next[row];
                if (next[row] == _endId) ended[row] = true;
                else generatedIds[text].Add(next[row]);
                if (step + 1 >= _texts[text].MaxNewTokens) ended[row] = true;
            }
            var endedRows = ended.Count(e => e);
            if (endedRows == rowTexts.Count) break;

            var grown = cat([tokens, tensor(appended, device: _device).unsqueeze(1)], 1);
            if (endedRows >= Math.Max(1, DropShare * rowTexts.Count))
            {
                var keep = Enumerable.Range(0, rowTexts.Count).Where(r => !ended[r]).Select(r => (long)r).ToArray();
                grown = KeepRows(grown, keep);
                rowTexts = keep.Select(r => rowTexts[(int)r]).ToList();
                ended = new bool[rowTexts.Count];
            }
            tokens = CarryOver(stepScope, tokens, grown);
            profile?.Add("token bookkeeping (append, drop ended rows)", started);
        }
        tokens.Dispose();
        return generatedIds.Select(ids => ids.ToArray()).ToArray();
    }

    /// <summary>
    /// Beam search as <see cref="TextGenerator"/>'s, per text instead of per clip: the <c>beams</c> best partial texts by
    /// summed log-probability; a text is done when it has as many finished texts as beams and no running one can still
    /// beat the worst of them, or at its length limit, where its running texts are ranked with the finished ones.
    /// </summary>
    private long[][] BeamSearch()
    {
        var beams = _options.Beams;
        var vocabulary = _model.Config.Text.VocabularySize;
        var results = new long[_texts.Count][];
        var finished = _texts.Select(_ => new FinishedTexts(beams, _options.LengthPenalty)).ToArray();
        // Texts in the step's batch, each with `beams` consecutive rows.
        var running = Enumerable.Range(0, _texts.Count).ToList();
        var tokens = PrefixTokens(beams);
        // At the start every beam of a text holds the same text: only the first may grow, or all would pick the same tokens.
        var scores = new double[running.Count * beams];
        for (var r = 0; r < scores.Length; r++) scores[r] = r % beams == 0 ? 0 : -1e9;
        var generated = 0;

        while (running.Count > 0)
        {
            using var stepScope = NewDisposeScope();
            var logits = _process(NextLogits(tokens, generated), tokens, generated);
            var total = F.log_softmax(logits, 1) + tensor(scores, dtype: ScalarType.Float32, device: _device).unsqueeze(1);
            var (topScores, topIndices) = total.view(running.Count, beams * (long)vocabulary).topk(2 * beams, dim: 1);
            var candidateScores = topScores.data<float>().ToArray();
            var candidateIndices = topIndices.data<long>().ToArray();
            var texts = GeneratedTexts(tokens);
            generated++;

            var sourceRows = new List<long>();
            var nextTokens = new List<long>();
            var nextScores = new List<double>();
            var stillRunning = new List<int>();
            for (var j = 0; j < running.Count; j++)
            {
                var text = running[j];
                var rowSources = new long[beams];
                var rowTokens = new long[beams];
                var rowScores = new double[beams];
                finished[text].Continue(
                    candidateIndices.AsSpan(j * 2 * beams, 2 * beams), candidateScores.AsSpan(j * 2 * beams, 2 * beams), j * beams, vocabulary, _endId,
                    texts, generated, rowSources, rowTokens, rowScores);
                if (finished[text].IsDone(rowScores[0], generated))
                {
                    results[text] = finished[text].Best();
                }
                else if (generated >= _texts[text].MaxNewTokens)
                {
                    for (var k = 0; k < beams; k++) finished[text].Add([.. texts[rowSources[k]], rowTokens[k]], rowScores[k], generated);
                    results[text] = finished[text].Best();
                }
                else
                {
                    stillRunning.Add(text);
                    sourceRows.AddRange(rowSources);
                    nextTokens.AddRange(rowTokens);
                    nextScores.AddRange(rowScores);
                }
            }
            running = stillRunning;
            if (running.Count == 0) break;

            // The reordering keeps only the running texts' rows: a text that is done costs nothing from here on.
            var order = sourceRows.ToArray();
            var grown = cat([KeepRows(tokens, order), tensor(nextTokens.ToArray(), device: _device).unsqueeze(1)], 1);
            tokens = CarryOver(stepScope, tokens, grown);
            scores = [.. nextScores];
        }
        tokens.Dispose();
        return results;
    }

    /// <summary>The rows given of the cache, the layout and <paramref name="tokens"/>, in that order.</summary>
    private Tensor KeepRows(Tensor tokens, long[] rows)
    {
        var index = tensor(rows, device: _device);
        _cache.SelectSelfAttention(index);
        _cache.Rows = _cache.Rows!.Select(rows);
        return tokens.index_select(0, index);
    }

    /// <summary>
    /// Moves what the next step needs out of <paramref name="step"/> (the grown tokens, the cache's buffers and layout)
    /// and frees what the step replaced.
    /// </summary>
    private Tensor CarryOver(DisposeScope step, Tensor tokens, Tensor grown)
    {
        var now = Owned();
        step.MoveToOuter(now);
        var kept = now.ToHashSet(ReferenceEqualityComparer.Instance);
        foreach (var old in _held)
        {
            if (!kept.Contains(old)) old.Dispose();
        }
        _held = now;
        step.MoveToOuter(grown);
        tokens.Dispose();
        return grown;
    }

    private List<Tensor> Owned() => _cache.Tensors().Where(t => !_borrowed.Contains(t)).ToList();

    /// <summary>Every row's generated ids so far (the columns after the prefixes).</summary>
    private long[][] GeneratedTexts(Tensor tokens)
    {
        var rows = (int)tokens.shape[0];
        var length = (int)tokens.shape[1];
        var all = tokens.data<long>().ToArray();
        var texts = new long[rows][];
        for (var r = 0; r < rows; r++) texts[r] = all.AsSpan(r * length + _prefixColumns, length - _prefixColumns).ToArray();
        return texts;
    }
}
