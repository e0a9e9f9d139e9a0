using System.Text.RegularExpressions;

namespace VideoCoca.Ingest;

/// <summary>
/// What ffmpeg's decoder said (its <c>-v error</c> lines) while decoding a video, gathered as distinct messages with
/// counts (a damaged stream can repeat one complaint thousands of times), and summarised as the short warnings a
/// video carries.
/// </summary>
public sealed partial class DecoderMessages
{
    /// <summary>Warnings a video carries at most.</summary>
    public const int MaxWarnings = 10;

    /// <summary>Characters a warning has at most.</summary>
    public const int MaxWarningLength = 200;

    /// <summary>Distinct messages kept; the rest are only counted.</summary>
    private const int MaxDistinct = 100;

    private readonly Dictionary<string, int> _counts = new(StringComparer.Ordinal);
    private readonly List<string> _order = [];

    /// <summary>Lines that did not fit among the distinct messages kept.</summary>
    private int _dropped;

    /// <summary>The first message, for an error that quotes ffmpeg; null when it said nothing.</summary>
    public string? First => _order.Count > 0 ? _order[0] : null;

    /// <summary>The last distinct message to appear.</summary>
    public string? Last { get; private set; }

    public bool Any => _order.Count > 0 || _dropped > 0;

    /// <summary>Takes one line of ffmpeg's standard error; blank lines are ignored.</summary>
    public void Add(string line)
    {
        var message = Normalize(line);
        if (message.Length == 0) return;
        // ffmpeg folds a run of one message into "Last message repeated N times".
        var repeated = Repeated().Match(message);
        if (repeated.Success && Last is { } last && _counts.ContainsKey(last))
        {
            _counts[last] += int.Parse(repeated.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            return;
        }
        Last = message;
        if (_counts.TryGetValue(message, out var count))
        {
            _counts[message] = count + 1;
        }
        else if (_order.Count < MaxDistinct)
        {
            _counts[message] = 1;
            _order.Add(message);
        }
        else
        {
            _dropped++;
        }
    }

    /// <summary>
    /// The video's warnings, none when the decoder said nothing (a frame or two fewer than the probe promised, silently,
    /// is the probe's estimate, not damage): how many frames failed, then what the decoder said, each message once with
    /// how often it came; at most <see cref="MaxWarnings"/> of at most <see cref="MaxWarningLength"/> characters.
    /// </summary>
    public IReadOnlyList<string> Summarize(int failedFrames, int expectedFrames)
    {
        if (!Any) return [];
        var warnings = new List<string>
        {
            failedFrames > 0
                ? $"ffmpeg: {failedFrames} of {expectedFrames} frames could not be decoded"
                : "ffmpeg: the decoder reported errors; the damaged frames were concealed",
        };
        var budget = MaxWarnings - warnings.Count;
        var shown = _order.Count <= budget && _dropped == 0 ? _order.Count : budget - 1;
        foreach (var message in _order.Take(shown))
        {
            var count = _counts[message];
            warnings.Add(Shorten($"ffmpeg: {message}" + (count > 1 ? $" ({count} times)" : "")));
        }
        var untold = _order.Skip(shown).Sum(m => _counts[m]) + _dropped;
        if (untold > 0)
        {
            warnings.Add($"ffmpeg: and {untold} more decoder messages");
        }
        return warnings;
    }

    /// <summary>Whether a (trimmed) line is ffmpeg's note that the line before it came again ("Last message repeated N times").</summary>
    internal static bool IsRepeatNote(string line) => Repeated().IsMatch(line);

    /// <summary>"[h264 @ 0x55d1c0] decode_slice_header error" becomes "h264: decode_slice_header error": the address differs per line.</summary>
    private static string Normalize(string line)
    {
        var trimmed = line.Trim();
        var match = ContextPrefix().Match(trimmed);
        return match.Success ? $"{match.Groups[1].Value}: {match.Groups[2].Value.Trim()}" : trimmed;
    }

    private static string Shorten(string text) => text.Length <= MaxWarningLength ? text : text[..(MaxWarningLength - 1)] + "…";

    [GeneratedRegex(@"^\[([^\]@]+?) @ 0x[0-9a-fA-F]+\]\s*(.*)$")]
    private static partial Regex ContextPrefix();

    [GeneratedRegex(@"^Last message repeated (\d{1,9}) times?$")]
    private static partial Regex Repeated();
}
