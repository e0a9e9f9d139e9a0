using System.Globalization;
using VideoCoca.Gateway.Hosting;

namespace VideoCoca.Gateway.Uploads;

/// <summary>What an upload asks for, from its query string, checked.</summary>
public sealed record UploadSettings(
    string FileName, string Extension, double ClipLengthSeconds, double OverlapSeconds, int FramesPerClip, IReadOnlyList<string> Questions)
{
    public const double MinClipLength = 0.5;
    public const double MaxClipLength = 60;
    public const int MaxFrames = 64;
    public const int MaxQuestions = 16;
    public const int MaxQuestionLength = 500;
    public const int MaxFileNameLength = 255;

    /// <summary>Extensions kept on the stored file; anything else is stored as .bin and left to ffprobe's content sniffing.</summary>
    private static readonly HashSet<string> VideoExtensions = new(StringComparer.OrdinalIgnoreCase)
    {
        ".mp4", ".m4v", ".mov", ".mkv", ".webm", ".avi", ".mpg", ".mpeg", ".ts", ".m2ts", ".ogv", ".flv", ".wmv", ".3gp",
    };

    private static readonly Dictionary<string, string> ContentTypeExtensions = new(StringComparer.OrdinalIgnoreCase)
    {
        ["video/mp4"] = ".mp4", ["video/quicktime"] = ".mov", ["video/webm"] = ".webm", ["video/x-matroska"] = ".mkv",
        ["video/x-msvideo"] = ".avi", ["video/mpeg"] = ".mpg", ["video/mp2t"] = ".ts", ["video/ogg"] = ".ogv",
    };

    /// <summary>Reads the options; on a malformed one, returns the field and a message naming it.</summary>
    public static UploadSettings Parse(IQueryCollection query, string? mediaType, GatewayOptions defaults, out UploadFieldError? error)
    {
        error = null;
        var name = query["name"].ToString();
        if (name.Length > MaxFileNameLength || name.Any(char.IsControl))
        {
            error = new("name", $"name must be a file name of at most {MaxFileNameLength} characters without control characters");
            return null!;
        }
        name = Path.GetFileName(name.Replace('\\', '/')).Trim();

        if (!TryNumber(query, "clip_length", defaults.DefaultClipLengthSeconds, out var clipLength) || clipLength < MinClipLength || clipLength > MaxClipLength)
        {
            error = new("clip_length", $"clip_length must be a number between {MinClipLength.ToString(CultureInfo.InvariantCulture)} and {MaxClipLength.ToString(CultureInfo.InvariantCulture)}");
            return null!;
        }
        if (!TryNumber(query, "overlap", defaults.DefaultOverlapSeconds, out var overlap) || overlap < 0 || overlap >= clipLength)
        {
            error = new("overlap", "overlap must be a number of seconds, at least 0 and less than clip_length");
            return null!;
        }
        var framesText = query["frames"].ToString();
        var frames = defaults.DefaultFramesPerClip;
        if (query.ContainsKey("frames") && (!int.TryParse(framesText, NumberStyles.None, CultureInfo.InvariantCulture, out frames) || frames < 1 || frames > MaxFrames))
        {
            error = new("frames", $"frames must be a whole number between 1 and {MaxFrames}");
            return null!;
        }
        IReadOnlyList<string> questions = defaults.DefaultQuestions;
        if (query.ContainsKey("question"))
        {
            var asked = query["question"].Select(q => (q ?? "").Trim()).ToList();
            if (asked.Count > MaxQuestions || asked.Any(q => q.Length == 0 || q.Length > MaxQuestionLength || q.Any(char.IsControl)))
            {
                error = new("question", $"question must be non-empty text of at most {MaxQuestionLength} characters, at most {MaxQuestions} of them");
                return null!;
            }
            questions = asked.Distinct(StringComparer.Ordinal).ToList();
        }

        var extension = Path.GetExtension(name);
        if (!VideoExtensions.Contains(extension))
        {
            extension = mediaType is not null && ContentTypeExtensions.TryGetValue(mediaType, out var fromType) ? fromType : ".bin";
        }
        if (name.Length == 0)
        {
            name = "upload" + extension;
        }
        return new UploadSettings(name, extension.ToLowerInvariant(), clipLength, overlap, frames, questions);
    }

    private static bool TryNumber(IQueryCollection query, string field, double fallback, out double value)
    {
        value = fallback;
        if (!query.ContainsKey(field))
        {
            return true;
        }
        return double.TryParse(query[field].ToString(), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out value)
            && double.IsFinite(value);
    }
}

/// <summary>A malformed upload option: the query parameter and what is wrong with it.</summary>
public sealed record UploadFieldError(string Field, string Message);
