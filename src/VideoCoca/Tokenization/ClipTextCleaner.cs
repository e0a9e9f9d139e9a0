using System.Globalization;
using System.Net;
using System.Text;

namespace VideoCoca.Tokenization;

/// <summary>
/// CLIP's text clean-up before BPE, following the Python reference: HTML-unescape twice, strip,
/// fold whitespace runs to one space, strip, lower-case (Python's <c>str.lower</c>, including
/// U+0130 and final sigma). ftfy's repair step is not part of it.
/// </summary>
internal static class ClipTextCleaner
{
    public static string Clean(string text)
    {
        var unescaped = HtmlUnescape(HtmlUnescape(text));
        return PythonLower(FoldWhitespace(unescaped));
    }

    /// <summary>Python's <c>str.isspace</c>: .NET's white space plus the four separators U+001C..U+001F.</summary>
    public static bool IsPythonSpace(int codePoint) =>
        codePoint is >= 0x1C and <= 0x1F || (codePoint <= 0xFFFF && char.IsWhiteSpace((char)codePoint));

    /// <summary>Collapses every whitespace run to one space and trims both ends.</summary>
    public static string FoldWhitespace(string text)
    {
        var builder = new StringBuilder(text.Length);
        bool pendingSpace = false;
        foreach (var c in text)
        {
            if (IsPythonSpace(c))
            {
                pendingSpace = builder.Length > 0;
                continue;
            }
            if (pendingSpace)
            {
                builder.Append(' ');
                pendingSpace = false;
            }
            builder.Append(c);
        }
        return builder.ToString();
    }

    // ---- lower-casing as Python's str.lower ----

    public static string PythonLower(string text)
    {
        var points = CodePoints(text);
        var builder = new StringBuilder(text.Length);
        for (int i = 0; i < points.Length; i++)
        {
            int cp = points[i];
            if (cp == 0x130)
            {
                builder.Append("i\u0307");
            }
            else if (cp == 0x3A3)
            {
                builder.Append(IsFinalSigma(points, i) ? '\u03C2' : '\u03C3');
            }
            else if (Rune.IsValid(cp))
            {
                builder.Append(Rune.ToLowerInvariant(new Rune(cp)).ToString());
            }
            else
            {
                builder.Append((char)cp);
            }
        }
        return builder.ToString();
    }

    /// <summary>Code points of <paramref name="text"/>; a lone surrogate stands for itself.</summary>
    internal static int[] CodePoints(string text)
    {
        var points = new List<int>(text.Length);
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                points.Add(char.ConvertToUtf32(c, text[i + 1]));
                i++;
            }
            else
            {
                points.Add(c);
            }
        }
        return points.ToArray();
    }

    /// <summary>Unicode's Final_Sigma context: a cased letter before (skipping case-ignorables) and none after.</summary>
    private static bool IsFinalSigma(int[] points, int index)
    {
        int j = index - 1;
        while (j >= 0 && IsCaseIgnorable(points[j]))
        {
            j--;
        }
        if (j < 0 || !IsCased(points[j]))
        {
            return false;
        }
        j = index + 1;
        while (j < points.Length && IsCaseIgnorable(points[j]))
        {
            j++;
        }
        return j == points.Length || !IsCased(points[j]);
    }

    private static UnicodeCategory Category(int cp) =>
        Rune.IsValid(cp) ? Rune.GetUnicodeCategory(new Rune(cp)) : UnicodeCategory.Surrogate;

    private static bool IsCased(int cp)
    {
        var category = Category(cp);
        if (category is UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter)
        {
            return true;
        }
        // Other_Lowercase / Other_Uppercase code points that are not Lu/Ll/Lt.
        return cp is 0xAA or 0xBA or (>= 0x2B0 and <= 0x2B8) or 0x2C0 or 0x2C1 or (>= 0x2E0 and <= 0x2E4)
            or 0x345 or 0x37A or (>= 0x1D2C and <= 0x1D6A) or 0x1D78 or (>= 0x1D9B and <= 0x1DBF)
            or 0x2071 or 0x207F or (>= 0x2090 and <= 0x209C) or (>= 0x2160 and <= 0x217F)
            or (>= 0x24B6 and <= 0x24E9) or 0x2C7C or 0x2C7D or 0xA69C or 0xA69D or 0xA770
            or 0xA7F8 or 0xA7F9 or (>= 0xAB5C and <= 0xAB5F);
    }

    private static bool IsCaseIgnorable(int cp)
    {
        var category = Category(cp);
        if (category is UnicodeCategory.NonSpacingMark or UnicodeCategory.EnclosingMark or UnicodeCategory.Format
            or UnicodeCategory.ModifierLetter or UnicodeCategory.ModifierSymbol)
        {
            return true;
        }
        // Word_Break MidLetter, MidNumLet and Single_Quote.
        return cp is 0x27 or 0x2E or 0x3A or 0xB7 or 0x387 or 0x55F or 0x5F4 or 0x2018 or 0x2019 or 0x2024
            or 0x2027 or 0xFE13 or 0xFE52 or 0xFE55 or 0xFF07 or 0xFF0E or 0xFF1A;
    }

    // ---- html.unescape as Python's ----

    private static readonly HashSet<string> LegacyNames = new(StringComparer.Ordinal)
    {
        "AElig", "AMP", "Aacute", "Acirc", "Agrave", "Aring", "Atilde", "Auml", "COPY", "Ccedil", "ETH", "Eacute",
        "Ecirc", "Egrave", "Euml", "GT", "Iacute", "Icirc", "Igrave", "Iuml", "LT", "Ntilde", "Oacute", "Ocirc",
        "Ograve", "Oslash", "Otilde", "Ouml", "QUOT", "REG", "THORN", "Uacute", "Ucirc", "Ugrave", "Uuml", "Yacute",
        "aacute", "acirc", "acute", "aelig", "agrave", "amp", "aring", "atilde", "auml", "brvbar", "ccedil", "cedil",
        "cent", "copy", "curren", "deg", "divide", "eacute", "ecirc", "egrave", "eth", "euml", "frac12", "frac14",
        "frac34", "gt", "iacute", "icirc", "iexcl", "igrave", "iquest", "iuml", "laquo", "lt", "macr", "micro",
        "middot", "nbsp", "not", "ntilde", "oacute", "ocirc", "ograve", "ordf", "ordm", "oslash", "otilde", "ouml",
        "para", "plusmn", "pound", "quot", "raquo", "reg", "sect", "shy", "sup1", "sup2", "sup3", "szlig", "thorn",
        "times", "uacute", "ucirc", "ugrave", "uml", "uuml", "yacute", "yen", "yuml",
    };

    /// <summary>Windows-1252 characters that HTML5 substitutes for the numeric references &amp;#128; .. &amp;#159;.</summary>
    private static readonly string[] Windows1252High =
    [
        "\u20AC", "\u0081", "\u201A", "\u0192", "\u201E", "\u2026", "\u2020", "\u2021",
        "\u02C6", "\u2030", "\u0160", "\u2039", "\u0152", "\u008D", "\u017D", "\u008F",
        "\u0090", "\u2018", "\u2019", "\u201C", "\u201D", "\u2022", "\u2013", "\u2014",
        "\u02DC", "\u2122", "\u0161", "\u203A", "\u0153", "\u009D", "\u017E", "\u0178",
    ];

    /// <summary>
    /// Python's <c>html.unescape</c>: numeric references with HTML5's replacements, named references
    /// with or without the semicolon for the legacy names, longest legacy prefix otherwise. Named references
    /// come from .NET's HTML 4 table, so HTML5-only names (e.g. &amp;NewLine;) stay as they are.
    /// </summary>
    public static string HtmlUnescape(string text)
    {
        int amp = text.IndexOf('&');
        if (amp < 0)
        {
            return text;
        }
        var builder = new StringBuilder(text.Length);
        builder.Append(text, 0, amp);
        int i = amp;
        while (i < text.Length)
        {
            char c = text[i];
            if (c != '&')
            {
                builder.Append(c);
                i++;
                continue;
            }
            int consumed = TryReference(text, i + 1, builder);
            if (consumed == 0)
            {
                builder.Append('&');
                i++;
            }
            else
            {
                i += 1 + consumed;
            }
        }
        return builder.ToString();
    }

    /// <summary>Replaces the reference after an '&amp;' at <paramref name="start"/>; returns the characters used, 0 for none.</summary>
    private static int TryReference(string text, int start, StringBuilder output)
    {
        if (start >= text.Length)
        {
            return 0;
        }
        if (text[start] == '#')
        {
            int p = start + 1;
            bool hex = p < text.Length && (text[p] == 'x' || text[p] == 'X');
            if (hex)
            {
                p++;
            }
            int digitsStart = p;
            while (p < text.Length && (hex ? char.IsAsciiHexDigit(text[p]) : char.IsAsciiDigit(text[p])))
            {
                p++;
            }
            if (p == digitsStart)
            {
                return 0;
            }
            long value = 0;
            for (int k = digitsStart; k < p && value <= 0x10FFFF; k++)
            {
                value = value * (hex ? 16 : 10) + HexValue(text[k]);
            }
            if (p < text.Length && text[p] == ';')
            {
                p++;
            }
            output.Append(NumericReference(value));
            return p - start;
        }

        int end = start;
        while (end < text.Length && end - start < 32 && !IsNameStop(text[end]))
        {
            end++;
        }
        if (end == start)
        {
            return 0;
        }
        bool semicolon = end < text.Length && text[end] == ';';
        var name = text.Substring(start, end - start);
        int used = end - start + (semicolon ? 1 : 0);
        if (semicolon ? TryNamed(name, out var value1, withSemicolon: true) : TryNamed(name, out value1, withSemicolon: false))
        {
            output.Append(value1);
            return used;
        }
        var whole = semicolon ? name + ";" : name;
        for (int length = whole.Length - 1; length >= 2; length--)
        {
            if (length <= name.Length && TryNamed(name[..length], out var prefixValue, withSemicolon: false))
            {
                output.Append(prefixValue).Append(whole, length, whole.Length - length);
                return used;
            }
        }
        return 0;
    }

    private static bool IsNameStop(char c) => c is '\t' or '\n' or '\f' or ' ' or '<' or '&' or '#' or ';';

    private static int HexValue(char c) => c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;

    private static string NumericReference(long value)
    {
        if (value == 0)
        {
            return "\uFFFD";
        }
        if (value == 0x0D)
        {
            return "\r";
        }
        if (value is >= 0x80 and <= 0x9F)
        {
            return Windows1252High[value - 0x80];
        }
        if (value is >= 0xD800 and <= 0xDFFF || value > 0x10FFFF)
        {
            return "\uFFFD";
        }
        if (value is >= 0x1 and <= 0x8 or 0xB or >= 0xE and <= 0x1F or 0x7F or >= 0xFDD0 and <= 0xFDEF
            || (value & 0xFFFE) == 0xFFFE)
        {
            return "";
        }
        return char.ConvertFromUtf32((int)value);
    }

    private static bool TryNamed(string name, out string value, bool withSemicolon)
    {
        value = "";
        if (!withSemicolon && !LegacyNames.Contains(name))
        {
            return false;
        }
        var lookup = name switch
        {
            "AMP" => "amp",
            "LT" => "lt",
            "GT" => "gt",
            "QUOT" => "quot",
            "COPY" => "copy",
            "REG" => "reg",
            _ => name,
        };
        var reference = "&" + lookup + ";";
        var decoded = WebUtility.HtmlDecode(reference);
        if (decoded == reference)
        {
            return false;
        }
        value = decoded;
        return true;
    }
}
