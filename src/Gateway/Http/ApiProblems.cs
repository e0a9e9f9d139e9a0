using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using Microsoft.AspNetCore.Mvc;

namespace VideoCoca.Gateway.Http;

/// <summary>The problem bodies every endpoint answers with (RFC 7807; a 400 names its field).</summary>
public static class ApiProblems
{
    public static IResult Problem(int status, string title, string detail) =>
        Results.Problem(detail: detail, statusCode: status, title: title);

    public static IResult Invalid(string field, string message, string title = "Invalid request") =>
        Results.ValidationProblem(new Dictionary<string, string[]> { [field] = [message] }, detail: message, title: title);

    /// <summary>A path id that is not a GUID: "Malformed flag id", "'x' is not a flag id (a GUID)".</summary>
    public static IResult MalformedId(string kind, string id) =>
        Problem(StatusCodes.Status400BadRequest, $"Malformed {kind} id", $"'{Truncate(id)}' is not a {kind} id (a GUID)");

    /// <summary>A well-formed id that names nothing: "Unknown flag", "there is no flag ...".</summary>
    public static IResult Unknown(string kind, Guid id) =>
        Problem(StatusCodes.Status404NotFound, $"Unknown {kind}", $"there is no {kind} {id}");

    public static IResult MalformedVideoId(string id) => MalformedId("video", id);

    public static IResult UnknownVideo(Guid id) => Unknown("video", id);

    public static IResult UnknownClip(Guid videoId, int index) =>
        Problem(StatusCodes.Status404NotFound, "Unknown clip", $"video {videoId} has no clip {index}");

    public static IResult NotAnalysed(string detail) =>
        Problem(StatusCodes.Status409Conflict, "Not analysed yet", detail);

    public static IResult NoModel() =>
        Problem(StatusCodes.Status503ServiceUnavailable, "No model", "no model version is registered yet: start a worker");

    public static IResult ModelUnavailable(Exception e) =>
        Problem(StatusCodes.Status503ServiceUnavailable, "Model unavailable", e.Message);

    private static string Truncate(string text) => text.Length <= 64 ? text : text[..64] + "...";
}

/// <summary>Addresses of the API's resources, as responses link to them.</summary>
public static class ApiLinks
{
    /// <summary>A clip's thumbnail (served by the video endpoints); null when the clip has none.</summary>
    public static string? Thumbnail(Guid videoId, int index, bool hasThumbnail) =>
        hasThumbnail ? $"/api/videos/{videoId}/clips/{index}/thumbnail" : null;
}

/// <summary>
/// <c>page</c> and <c>page_size</c> of a paged list, bound as parameters so that the OpenAPI document declares them, and
/// read by hand so that a bad value gets a 400 naming its field rather than binding's bare 400.
/// </summary>
public sealed class PageQuery
{
    public const int MaxPageSize = 100;
    public const int DefaultPageSize = 20;

    /// <summary>From 1 (default 1).</summary>
    [FromQuery(Name = "page")] public string? Page { get; set; }

    /// <summary>1 to 100 (default 20).</summary>
    [FromQuery(Name = "page_size")] public string? PageSize { get; set; }

    public bool TryRead(out int page, out int pageSize, [NotNullWhen(false)] out IResult? problem)
    {
        pageSize = DefaultPageSize;
        problem = null;
        if (!TryWhole(Page, 1, int.MaxValue, out page))
        {
            problem = ApiProblems.Invalid("page", "page must be a whole number from 1", "Invalid query parameter");
            return false;
        }
        if (!TryWhole(PageSize, DefaultPageSize, MaxPageSize, out pageSize))
        {
            problem = ApiProblems.Invalid("page_size", $"page_size must be a whole number between 1 and {MaxPageSize}", "Invalid query parameter");
            return false;
        }
        return true;
    }

    /// <summary>How many rows a page skips (capped, so that a huge page number is an empty page, not an overflow).</summary>
    public static int Skip(int page, int pageSize) => (int)Math.Min((long)(page - 1) * pageSize, int.MaxValue);

    private static bool TryWhole(string? text, int fallback, int max, out int value)
    {
        value = fallback;
        return text is null
            || (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value) && value >= 1 && value <= max);
    }
}
