using System.Globalization;
using Microsoft.AspNetCore.Mvc;

namespace VideoCoca.Gateway.Search;

/// <summary>How a search ranks: fused, by embedding alone, or by full text alone.</summary>
public enum SearchMode
{
    Hybrid,
    Semantic,
    Text,
}

/// <summary>
/// The query parameters of <c>GET /api/search</c>, each declared (so the OpenAPI document lists them) and taken as a
/// string, then checked here, so that a bad value gets a 400 that names its field rather than the framework's own.
/// </summary>
public sealed class SearchParameters
{
    public const int MaxQueryLength = 500;
    public const int MaxLimit = 100;
    public const int DefaultLimit = 20;

    /// <summary>What to look for, in natural language (1 to 500 characters).</summary>
    [FromQuery(Name = "q")] public string? Query { get; set; }

    /// <summary>hybrid (default), semantic or text.</summary>
    [FromQuery(Name = "mode")] public string? Mode { get; set; }

    /// <summary>Only clips of these videos (repeatable).</summary>
    [FromQuery(Name = "video_id")] public string[]? VideoIds { get; set; }

    /// <summary>Only clips given this action label at upload (with at least min_confidence).</summary>
    [FromQuery(Name = "label")] public string? Label { get; set; }

    /// <summary>The label's least confidence, 0 to 1 (0 by default); needs label.</summary>
    [FromQuery(Name = "min_confidence")] public string? MinConfidence { get; set; }

    /// <summary>Only videos uploaded at or after this time (ISO 8601; UTC unless an offset is given).</summary>
    [FromQuery(Name = "uploaded_after")] public string? UploadedAfter { get; set; }

    /// <summary>Only videos uploaded before this time (ISO 8601; UTC unless an offset is given).</summary>
    [FromQuery(Name = "uploaded_before")] public string? UploadedBefore { get; set; }

    /// <summary>The model version whose results are searched; by default the newest with results.</summary>
    [FromQuery(Name = "model_version")] public string? ModelVersion { get; set; }

    /// <summary>Clips to return, 1 to 100 (20 by default).</summary>
    [FromQuery(Name = "limit")] public string? Limit { get; set; }

    /// <summary>true: re-score the best candidates by the decoder's likelihood of the query as each clip's caption.</summary>
    [FromQuery(Name = "rerank")] public string? Rerank { get; set; }

    /// <summary>The checked search, or the first bad field and why.</summary>
    public (ParsedSearch? Search, string? Field, string? Error) Parse()
    {
        var query = Query?.Trim();
        if (string.IsNullOrEmpty(query)) return (null, "q", "q must not be empty");
        if (query.Length > MaxQueryLength) return (null, "q", $"q must be at most {MaxQueryLength} characters");

        var mode = SearchMode.Hybrid;
        if (Mode is not null && !(Enum.TryParse(Mode.Trim(), ignoreCase: true, out mode) && Enum.IsDefined(mode) && !int.TryParse(Mode, out _)))
        {
            return (null, "mode", "mode must be hybrid, semantic or text");
        }

        var videos = new List<Guid>();
        foreach (var id in VideoIds ?? [])
        {
            if (!Guid.TryParse(id, out var videoId)) return (null, "video_id", $"video_id '{Truncate(id)}' is not a video id (a GUID)");
            videos.Add(videoId);
        }

        string? label = null;
        if (Label is not null)
        {
            label = Label.Trim();
            if (label.Length is 0 or > 200) return (null, "label", "label must be 1 to 200 characters");
        }
        var minConfidence = 0.0;
        if (MinConfidence is not null)
        {
            if (label is null) return (null, "min_confidence", "min_confidence needs a label");
            if (!double.TryParse(MinConfidence, NumberStyles.Float, CultureInfo.InvariantCulture, out minConfidence) || minConfidence is < 0 or > 1)
            {
                return (null, "min_confidence", "min_confidence must be a number from 0 to 1");
            }
        }

        if (!TryTime(UploadedAfter, out var after)) return (null, "uploaded_after", "uploaded_after must be a date or time (ISO 8601)");
        if (!TryTime(UploadedBefore, out var before)) return (null, "uploaded_before", "uploaded_before must be a date or time (ISO 8601)");
        if (after is not null && before is not null && before <= after) return (null, "uploaded_before", "uploaded_before must be later than uploaded_after");

        var limit = DefaultLimit;
        if (Limit is not null && !(int.TryParse(Limit, NumberStyles.None, CultureInfo.InvariantCulture, out limit) && limit is >= 1 and <= MaxLimit))
        {
            return (null, "limit", $"limit must be a whole number from 1 to {MaxLimit}");
        }

        var rerank = false;
        if (Rerank is not null && !bool.TryParse(Rerank.Trim(), out rerank)) return (null, "rerank", "rerank must be true or false");

        var filters = new SearchFilters(videos, label, minConfidence, after, before);
        return (new ParsedSearch(query, mode, filters, string.IsNullOrWhiteSpace(ModelVersion) ? null : ModelVersion.Trim(), limit, rerank), null, null);
    }

    internal static bool TryTime(string? text, out DateTimeOffset? time)
    {
        time = null;
        if (text is null) return true;
        if (!DateTimeOffset.TryParse(text.Trim(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed)) return false;
        time = parsed;
        return true;
    }

    private static string Truncate(string text) => text.Length <= 64 ? text : text[..64] + "...";
}

/// <summary>A search whose every field is checked.</summary>
public sealed record ParsedSearch(string Query, SearchMode Mode, SearchFilters Filters, string? ModelVersion, int Limit, bool Rerank);
