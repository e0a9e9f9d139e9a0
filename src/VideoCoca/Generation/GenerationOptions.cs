using System.Text.Json.Serialization;

namespace VideoCoca.Generation;

/// <summary>How the next token is chosen.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<GenerationStrategy>))]
public enum GenerationStrategy
{
    /// <summary>The most likely token at every step.</summary>
    [JsonStringEnumMemberName("greedy")] Greedy,
    /// <summary>Beam search: the <see cref="GenerationOptions.Beams"/> best partial texts are kept at every step.</summary>
    [JsonStringEnumMemberName("beam")] Beam,
    /// <summary>A draw from the (temperature-scaled, top-k and top-p filtered) distribution.</summary>
    [JsonStringEnumMemberName("sample")] Sample,
}

/// <summary>
/// What text generation does. Lengths count generated tokens only (not the start token or a prompt); the end token
/// counts as one generated token.
/// </summary>
public sealed record GenerationOptions
{
    public GenerationStrategy Strategy { get; init; } = GenerationStrategy.Greedy;

    /// <summary>Hypotheses kept by beam search.</summary>
    public int Beams { get; init; } = 4;

    /// <summary>
    /// Beam search ranks a finished text by its summed log-probability over its length to this power: 0 ranks by the
    /// sum (short texts win), 1 by the mean, more than 1 favours longer texts.
    /// </summary>
    public double LengthPenalty { get; init; } = 1.0;

    /// <summary>Sampling keeps only the k most likely tokens; 0 keeps all.</summary>
    public int TopK { get; init; }

    /// <summary>Sampling keeps the smallest set of most likely tokens whose probabilities sum to at least p; 1 keeps all.</summary>
    public double TopP { get; init; } = 1.0;

    /// <summary>Sampling divides the logits by this before top-k, top-p and the softmax.</summary>
    public double Temperature { get; init; } = 1.0;

    /// <summary>The end token is forbidden until this many tokens have been generated.</summary>
    public int MinLength { get; init; }

    /// <summary>At most this many tokens are generated (the end token included); the model's context may cap it lower.</summary>
    public int MaxNewTokens { get; init; } = 30;

    /// <summary>
    /// CTRL's penalty for every token already in the text (start token and prompt included): a positive logit is
    /// divided by it, a negative one multiplied. 1 is off; above 1 discourages repeats.
    /// </summary>
    public double RepetitionPenalty { get; init; } = 1.0;

    /// <summary>Seed of the sampler's random generator: the same seed, model and input give the same text. Null: a new draw each time.</summary>
    public int? Seed { get; init; }

    /// <summary>Keep each decoder layer's keys and values, so a new token costs one position instead of the whole prefix.</summary>
    public bool UseCache { get; init; } = true;

    public static GenerationOptions Greedy(int maxNewTokens, bool useCache = true) =>
        new() { Strategy = GenerationStrategy.Greedy, MaxNewTokens = maxNewTokens, UseCache = useCache };

    /// <summary>Rejects settings that cannot work, with a sentence naming the setting.</summary>
    public void Validate()
    {
        void Require(bool condition, string message)
        {
            if (!condition) throw new ArgumentException($"generation: {message}");
        }
        Require(Enum.IsDefined(Strategy), $"unknown strategy {Strategy}");
        Require(MaxNewTokens >= 1, "max new tokens must be at least 1");
        Require(MinLength >= 0, "min length must not be negative");
        Require(Beams >= 1, "beam search needs at least one beam");
        Require(double.IsFinite(LengthPenalty), "length penalty must be a finite number");
        Require(TopK >= 0, "top-k must not be negative (0 turns it off)");
        Require(TopP > 0 && TopP <= 1, "top-p must be in (0, 1]");
        Require(Temperature > 0 && double.IsFinite(Temperature), "temperature must be a positive number");
        Require(RepetitionPenalty > 0 && double.IsFinite(RepetitionPenalty), "repetition penalty must be a positive number");
    }
}
