using System.Globalization;
using System.Text;

namespace VideoCoca.Ingest;

/// <summary>The ffmpeg filter expressions ingest is built from, shared with the plain-ffmpeg baseline of <c>vcp bench ingest</c>.</summary>
public static class FfmpegFilters
{
    /// <summary>Brings frames to the model's input size as <see cref="IngestOptions.Resize"/> says.</summary>
    public static string ModelScale(IngestOptions options) => ModelScale(new FrameSize(options.FrameWidth, options.FrameHeight, options.Resize));

    /// <summary>Brings frames to a model's input size.</summary>
    public static string ModelScale(FrameSize size)
    {
        var (w, h) = (size.Width, size.Height);
        return size.Resize == FrameResize.Stretch
            ? $"scale={w}:{h}:flags=area"
            : $"scale={w}:{h}:force_original_aspect_ratio=increase:flags=bicubic,crop={w}:{h}";
    }

    /// <summary>Scales thumbnails to <see cref="IngestOptions.ThumbnailWidth"/>, keeping the aspect ratio.</summary>
    public static string ThumbnailScale(IngestOptions options) => $"scale={options.ThumbnailWidth}:-2";

    /// <summary>
    /// A <c>select</c> filter that passes exactly the decoded frames numbered <paramref name="frames"/> (at least one),
    /// for a filter graph script. Runs of consecutive numbers become <c>between</c> tests, and the runs a binary search
    /// of nested <c>if(lt(n, ...))</c>: ffmpeg's expression parser refuses a flat sum of about a hundred terms, and a
    /// flat sum would cost every frame a test per run.
    /// </summary>
    public static string SelectFrames(IEnumerable<int> frames)
    {
        var runs = new List<(int First, int Last)>();
        foreach (var n in frames.Distinct().Order())
        {
            if (runs.Count > 0 && runs[^1].Last == n - 1) runs[^1] = (runs[^1].First, n);
            else runs.Add((n, n));
        }
        if (runs.Count == 0) throw new ArgumentException("at least one frame must be selected", nameof(frames));
        var expression = new StringBuilder("select='");
        AppendSearch(expression, runs, 0, runs.Count);
        return expression.Append('\'').ToString();
    }

    // Commas are escaped: the expression sits inside a filter's option string.
    private static void AppendSearch(StringBuilder expression, List<(int First, int Last)> runs, int from, int to)
    {
        if (to - from == 1)
        {
            var (first, last) = runs[from];
            if (first == last) expression.Append(CultureInfo.InvariantCulture, $"eq(n\\,{first})");
            else expression.Append(CultureInfo.InvariantCulture, $"between(n\\,{first}\\,{last})");
            return;
        }
        var middle = (from + to) / 2;
        expression.Append(CultureInfo.InvariantCulture, $"if(lt(n\\,{runs[middle].First})\\,");
        AppendSearch(expression, runs, from, middle);
        expression.Append("\\,");
        AppendSearch(expression, runs, middle, to);
        expression.Append(')');
    }
}
