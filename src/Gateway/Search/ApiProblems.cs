using VideoCoca.Gateway.Uploads;

namespace VideoCoca.Gateway.Search;

/// <summary>The problem bodies search and questions answer with (RFC 7807; a 400 names its field).</summary>
internal static class ApiProblems
{
    public static IResult Invalid(string field, string message) =>
        Results.ValidationProblem(new Dictionary<string, string[]> { [field] = [message] }, detail: message, title: "Invalid request");

    public static IResult MalformedVideoId(string id) =>
        UploadEndpoints.Problem(StatusCodes.Status400BadRequest, "Malformed video id", $"'{(id.Length <= 64 ? id : id[..64] + "...")}' is not a video id (a GUID)");

    public static IResult UnknownVideo(Guid id) =>
        UploadEndpoints.Problem(StatusCodes.Status404NotFound, "Unknown video", $"there is no video {id}");

    public static IResult UnknownClip(Guid videoId, int index) =>
        UploadEndpoints.Problem(StatusCodes.Status404NotFound, "Unknown clip", $"video {videoId} has no clip {index}");

    public static IResult NotAnalysed(string detail) =>
        UploadEndpoints.Problem(StatusCodes.Status409Conflict, "Not analysed yet", detail);

    public static IResult NoModel() =>
        UploadEndpoints.Problem(StatusCodes.Status503ServiceUnavailable, "No model", "no model version is registered yet: start a worker");

    public static IResult ModelUnavailable(Exception e) =>
        UploadEndpoints.Problem(StatusCodes.Status503ServiceUnavailable, "Model unavailable", e.Message);

    /// <summary>Thumbnails are served by the video endpoints.</summary>
    public static string? ThumbnailUrl(Guid videoId, int index, string? thumbnailPath) =>
        thumbnailPath is null ? null : $"/api/videos/{videoId}/clips/{index}/thumbnail";
}
