using Microsoft.Extensions.Options;
using VideoCoca.Ingest;

namespace VideoCoca.Grains.Storage;

/// <summary>Where a video's files live under the blob root: <c>videos/&lt;id&gt;/clips/&lt;index&gt;.rgb|.jpg</c>.</summary>
public sealed class BlobLayout(IOptions<IngestOptions> options)
{
    public string Root { get; } = IngestOptions.ResolveBlobRoot(options.Value.BlobRoot);

    /// <summary>Everything the platform keeps for one video.</summary>
    public string VideoFolder(Guid videoId) => Path.Combine(Root, "videos", videoId.ToString("D"));

    /// <summary>The clips' frames and thumbnails.</summary>
    public string ClipsFolder(Guid videoId) => Path.Combine(VideoFolder(videoId), "clips");

    /// <summary>A path as the request gave it: absolute as is, relative to the blob root otherwise.</summary>
    public string Resolve(string blobPath) => Path.IsPathRooted(blobPath) ? blobPath : Path.Combine(Root, blobPath);
}
