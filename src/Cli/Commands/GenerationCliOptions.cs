using System.CommandLine;
using VideoCoca.Generation;

namespace VideoCoca.Cli.Commands;

/// <summary>The command-line options that set <see cref="GenerationOptions"/>, shared by the commands that generate text.</summary>
public sealed class GenerationCliOptions
{
    private readonly Option<string> _strategy = new("--strategy") { Description = "greedy, beam or sample", DefaultValueFactory = _ => "greedy" };
    private readonly Option<int> _beams = new("--beams") { Description = "beam search: hypotheses kept", DefaultValueFactory = _ => 4 };
    private readonly Option<double> _lengthPenalty = new("--length-penalty") { Description = "beam search: a finished text scores sum(log p) / length^this", DefaultValueFactory = _ => 1.0 };
    private readonly Option<int> _topK = new("--top-k") { Description = "sampling: keep the k most likely tokens (0: all)", DefaultValueFactory = _ => 0 };
    private readonly Option<double> _topP = new("--top-p") { Description = "sampling: keep the most likely tokens up to this total probability (1: all)", DefaultValueFactory = _ => 1.0 };
    private readonly Option<double> _temperature = new("--temperature") { Description = "sampling: divide the logits by this", DefaultValueFactory = _ => 1.0 };
    private readonly Option<int> _minLength = new("--min-length") { Description = "no end token before this many tokens", DefaultValueFactory = _ => 0 };
    private readonly Option<int?> _maxTokens = new("--max-tokens") { Description = "at most this many tokens (default: the model's context)" };
    private readonly Option<double> _repetitionPenalty = new("--repetition-penalty") { Description = "above 1 discourages tokens already in the text", DefaultValueFactory = _ => 1.0 };
    private readonly Option<int?> _seed = new("--seed") { Description = "sampling: random seed (default: a new draw each run)" };
    private readonly Option<bool> _noCache = new("--no-cache") { Description = "re-run the whole prefix at every step instead of using the key-value cache" };

    public IEnumerable<Option> All => [_strategy, _beams, _lengthPenalty, _topK, _topP, _temperature, _minLength, _maxTokens, _repetitionPenalty, _seed, _noCache];

    public void AddTo(Command command)
    {
        foreach (var option in All) command.Options.Add(option);
    }

    /// <param name="contextLength">The model's text context, the default for --max-tokens.</param>
    public GenerationOptions Read(ParseResult parse, int contextLength)
    {
        var options = new GenerationOptions
        {
            Strategy = ParseStrategy(parse.GetValue(_strategy)),
            Beams = parse.GetValue(_beams),
            LengthPenalty = parse.GetValue(_lengthPenalty),
            TopK = parse.GetValue(_topK),
            TopP = parse.GetValue(_topP),
            Temperature = parse.GetValue(_temperature),
            MinLength = parse.GetValue(_minLength),
            MaxNewTokens = parse.GetValue(_maxTokens) ?? contextLength,
            RepetitionPenalty = parse.GetValue(_repetitionPenalty),
            Seed = parse.GetValue(_seed),
            UseCache = !parse.GetValue(_noCache),
        };
        try { options.Validate(); }
        catch (ArgumentException e) { throw new UserInputException(e.Message); }
        return options;
    }

    public static GenerationStrategy ParseStrategy(string? name) => name switch
    {
        "greedy" => GenerationStrategy.Greedy,
        "beam" => GenerationStrategy.Beam,
        "sample" => GenerationStrategy.Sample,
        _ => throw new UserInputException($"--strategy must be greedy, beam or sample, not '{name}'"),
    };
}
