namespace VideoCoca.Gateway.Hosting;

/// <summary>The <c>Gateway</c> configuration section: where it listens, where uploads go, what it accepts, and upload defaults.</summary>
public sealed class GatewayOptions
{
    public const string SectionName = "Gateway";

    /// <summary>Read when the section sets no blob root.</summary>
    public const string BlobRootVariable = "VCP_BLOB_ROOT";

    /// <summary>The platform's state folder; blobs go under its <c>blobs</c> folder when no blob root is set.</summary>
    public const string HomeVariable = "VCP_HOME";

    /// <summary>Where the gateway listens when ASPNETCORE_URLS (or --urls) says nothing.</summary>
    public string Url { get; set; } = "http://127.0.0.1:5080";

    /// <summary>Blob storage (a local folder); empty for VCP_BLOB_ROOT, else VCP_HOME/blobs, else .vcp/blobs in the repository.</summary>
    public string BlobRoot { get; set; } = "";

    /// <summary>The largest upload accepted, in bytes (2 GiB by default).</summary>
    public long MaxUploadBytes { get; set; } = 2L * 1024 * 1024 * 1024;

    /// <summary>The longest video accepted, in seconds.</summary>
    public double MaxDurationSeconds { get; set; } = 3600;

    /// <summary>Clip length when the upload gives none, in seconds.</summary>
    public double DefaultClipLengthSeconds { get; set; } = 4;

    /// <summary>Overlap of consecutive clips when the upload gives none, in seconds.</summary>
    public double DefaultOverlapSeconds { get; set; }

    /// <summary>Frames sampled per clip when the upload gives none.</summary>
    public int DefaultFramesPerClip { get; set; } = 8;

    /// <summary>
    /// Questions asked of every clip when the upload gives none; left empty (the default), none are sent and each worker
    /// answers its model's own default questions (the model folder's labels.json), so they follow the model version
    /// that analyses the clip. Never pre-filled: configuration binding appends to an array's items.
    /// </summary>
    public string[] DefaultQuestions { get; set; } = [];

    /// <summary>How long a text embedding (search, labels, watchlist rules) may wait for a worker before the request gets 503.</summary>
    public TimeSpan ModelQueryTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long one batch of generation (answers to a question, re-ranking scores) may wait for a worker.</summary>
    public TimeSpan GenerationTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How long the synchronous probe of an upload may take before it is refused.</summary>
    public TimeSpan ProbeTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// Helper processes that probe uploads through libavformat, each kept for many uploads (0: start an ffprobe for each
    /// upload, as before). Starting ffprobe costs about as much CPU as reading a few minutes of video with it: it loads
    /// ffmpeg's couple of hundred shared libraries every time. Where the helpers cannot load FFmpeg 5.1's libraries the
    /// gateway runs ffprobe anyway.
    /// </summary>
    public int ProbeHelpers { get; set; } = 2;

    /// <summary>
    /// The share of an upload's frames that may fail to decode (0 to 1, below 1) before it is refused with 422; the
    /// silo's <c>Ingest:MaxUndecodableFrameShare</c> applies the same rule to the frames it decodes, and should agree.
    /// </summary>
    public double MaxUndecodableFrameShare { get; set; } = 0.1;

    /// <summary>The configured blob root, else the environment's, else the repository's .vcp/blobs.</summary>
    public static string ResolveBlobRoot(string? configured)
    {
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return Path.GetFullPath(configured);
        }
        var fromEnvironment = Environment.GetEnvironmentVariable(BlobRootVariable);
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
        {
            return Path.GetFullPath(fromEnvironment);
        }
        var home = Environment.GetEnvironmentVariable(HomeVariable);
        if (!string.IsNullOrWhiteSpace(home))
        {
            return Path.GetFullPath(Path.Combine(home, "blobs"));
        }
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "VideoCocaPlatform.sln")))
            {
                return Path.Combine(directory.FullName, ".vcp", "blobs");
            }
        }
        return Path.GetFullPath(Path.Combine(".vcp", "blobs"));
    }
}

/// <summary>The <c>Orleans</c> configuration section: the cluster the gateway's client joins (the silo's values).</summary>
public sealed class OrleansClusterOptions
{
    public const string SectionName = "Orleans";

    public string ClusterId { get; set; } = "vcp";

    public string ServiceId { get; set; } = "videococa";

    /// <summary>The membership table's database; empty for the Postgres section's.</summary>
    public string ConnectionString { get; set; } = "";

    /// <summary>How long to wait between attempts to reach the cluster.</summary>
    public TimeSpan ReconnectDelay { get; set; } = TimeSpan.FromSeconds(5);
}
