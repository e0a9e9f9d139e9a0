using System.Globalization;
using System.Text;

namespace VideoCoca.Gateway.Captions;

/// <summary>One subtitle: a clip's time range and its caption.</summary>
public sealed record SubtitleCue(double StartSeconds, double EndSeconds, string Text);

/// <summary>WebVTT and SubRip, the two subtitle formats players take; they differ in header, numbering and the millisecond separator.</summary>
public abstract class SubtitleFormat
{
    public static readonly SubtitleFormat WebVtt = new WebVttFormat();

    public static readonly SubtitleFormat SubRip = new SubRipFormat();

    /// <summary>vtt or srt: the export's file extension and the CLI's --format.</summary>
    public abstract string Extension { get; }

    public abstract string ContentType { get; }

    /// <summary>The cues in the order given, each on its own block; an empty list is a valid (empty) file.</summary>
    public string Write(IEnumerable<SubtitleCue> cues)
    {
        var text = new StringBuilder();
        WriteHeader(text);
        var number = 0;
        foreach (var cue in cues)
        {
            number++;
            WriteCueNumber(text, number);
            text.Append(Timestamp(cue.StartSeconds)).Append(" --> ").Append(Timestamp(Math.Max(cue.EndSeconds, cue.StartSeconds))).Append('\n');
            text.Append(Escape(SingleParagraph(cue.Text))).Append("\n\n");
        }
        return text.ToString();
    }

    /// <summary>hh:mm:ss followed by the format's separator and milliseconds, rounded to the nearest millisecond (hours past 99 keep their digits).</summary>
    public string Timestamp(double seconds)
    {
        var milliseconds = (long)Math.Round(Math.Max(seconds, 0) * 1000, MidpointRounding.AwayFromZero);
        var hours = milliseconds / 3_600_000;
        var minutes = milliseconds / 60_000 % 60;
        var wholeSeconds = milliseconds / 1000 % 60;
        return string.Create(CultureInfo.InvariantCulture, $"{hours:00}:{minutes:00}:{wholeSeconds:00}{MillisecondSeparator}{milliseconds % 1000:000}");
    }

    protected abstract char MillisecondSeparator { get; }

    protected abstract void WriteHeader(StringBuilder text);

    protected abstract void WriteCueNumber(StringBuilder text, int number);

    protected virtual string Escape(string text) => text;

    /// <summary>A blank line ends a cue in both formats, so a caption keeps its words on lines of their own but never a blank one.</summary>
    private static string SingleParagraph(string text)
    {
        var lines = text.Replace("\r\n", "\n").Replace('\r', '\n').Split('\n')
            .Select(l => l.Trim()).Where(l => l.Length > 0);
        var joined = string.Join('\n', lines);
        // An empty cue text would end the cue at its timing line; a caption the model left empty still shows as a gap-free cue.
        return joined.Length == 0 ? "-" : joined;
    }

    private sealed class WebVttFormat : SubtitleFormat
    {
        public override string Extension => "vtt";

        public override string ContentType => "text/vtt; charset=utf-8";

        protected override char MillisecondSeparator => '.';

        protected override void WriteHeader(StringBuilder text) => text.Append("WEBVTT\n\n");

        // Cue identifiers are optional in WebVTT; numbering them like SubRip's makes the two exports line up.
        protected override void WriteCueNumber(StringBuilder text, int number) => text.Append(number.ToString(CultureInfo.InvariantCulture)).Append('\n');

        // '<' and '&' start tags and entities in a cue's text; "-->" would read as a timing line.
        protected override string Escape(string text) =>
            text.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal);
    }

    private sealed class SubRipFormat : SubtitleFormat
    {
        public override string Extension => "srt";

        public override string ContentType => "application/x-subrip; charset=utf-8";

        protected override char MillisecondSeparator => ',';

        protected override void WriteHeader(StringBuilder text)
        {
        }

        protected override void WriteCueNumber(StringBuilder text, int number) => text.Append(number.ToString(CultureInfo.InvariantCulture)).Append('\n');
    }
}
