using System.Globalization;
using System.Text;

namespace VideoCoca.Tokenization;

/// <summary>
/// Splits cleaned text the way CLIP's pattern
/// <c>&lt;\|startoftext\|&gt;|&lt;\|endoftext\|&gt;|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+</c>
/// does, on code points (so letters outside the BMP count as letters, as in Python).
/// </summary>
internal static class ClipPreTokenizer
{
    public const string StartOfText = "<|startoftext|>";
    public const string EndOfText = "<|endoftext|>";

    // The reference matches case-insensitively, so "'s" also takes U+017F LATIN SMALL LETTER LONG S.
    private static readonly string[] Contractions = ["'s", "'\u017F", "'t", "'re", "'ve", "'m", "'ll", "'d"];

    public static List<string> Split(string text)
    {
        var pieces = new List<string>();
        int i = 0;
        while (i < text.Length)
        {
            if (StartsWith(text, i, StartOfText))
            {
                pieces.Add(StartOfText);
                i += StartOfText.Length;
                continue;
            }
            if (StartsWith(text, i, EndOfText))
            {
                pieces.Add(EndOfText);
                i += EndOfText.Length;
                continue;
            }
            if (text[i] == '\'' && TryContraction(text, i, out var contraction))
            {
                pieces.Add(contraction);
                i += contraction.Length;
                continue;
            }
            var kind = KindAt(text, i, out int width);
            switch (kind)
            {
                case Kind.Space:
                    i += width;
                    break;
                case Kind.Number:
                    pieces.Add(text.Substring(i, width));
                    i += width;
                    break;
                default:
                    int start = i;
                    i += width;
                    while (i < text.Length && KindAt(text, i, out width) == kind)
                    {
                        i += width;
                    }
                    pieces.Add(text[start..i]);
                    break;
            }
        }
        return pieces;
    }

    private enum Kind
    {
        Space,
        Letter,
        Number,
        Other,
    }

    private static Kind KindAt(string text, int index, out int width)
    {
        int cp;
        char c = text[index];
        if (char.IsHighSurrogate(c) && index + 1 < text.Length && char.IsLowSurrogate(text[index + 1]))
        {
            cp = char.ConvertToUtf32(c, text[index + 1]);
            width = 2;
        }
        else
        {
            cp = c;
            width = 1;
        }
        if (ClipTextCleaner.IsPythonSpace(cp))
        {
            return Kind.Space;
        }
        if (!Rune.IsValid(cp))
        {
            return Kind.Other;
        }
        switch (Rune.GetUnicodeCategory(new Rune(cp)))
        {
            case UnicodeCategory.UppercaseLetter:
            case UnicodeCategory.LowercaseLetter:
            case UnicodeCategory.TitlecaseLetter:
            case UnicodeCategory.ModifierLetter:
            case UnicodeCategory.OtherLetter:
                return Kind.Letter;
            case UnicodeCategory.DecimalDigitNumber:
            case UnicodeCategory.LetterNumber:
            case UnicodeCategory.OtherNumber:
                return Kind.Number;
            default:
                return Kind.Other;
        }
    }

    private static bool TryContraction(string text, int index, out string contraction)
    {
        foreach (var candidate in Contractions)
        {
            if (StartsWith(text, index, candidate))
            {
                contraction = candidate;
                return true;
            }
        }
        contraction = "";
        return false;
    }

    private static bool StartsWith(string text, int index, string value) =>
        text.AsSpan(index).StartsWith(value, StringComparison.Ordinal);
}
