using System.CommandLine;
using VideoCoca.Cli.Console;
using VideoCoca.World;

namespace VideoCoca.Cli.Benchmarks;

/// <summary>
/// The material of the platform benches and the options that choose it: <c>--count</c> multi-scene world videos of
/// <c>--scenes</c> scenes (4 s a scene, H.264 at 25 fps, 320x240 unless <c>--size</c> says otherwise), rendered from <c>--seed</c>.
/// </summary>
public sealed class BenchVideos(int defaultCount, string countDescription)
{
    public Option<int> Count { get; } = new("--count") { Description = countDescription, DefaultValueFactory = _ => defaultCount };

    public Option<int> Scenes { get; } = new("--scenes") { Description = "4-second scenes per video", DefaultValueFactory = _ => 10 };

    public Option<int> Seed { get; } = new("--seed") { Description = "seed of the videos", DefaultValueFactory = _ => 1 };

    public Option<string> Size { get; } = new("--size") { Description = "picture size of the videos, WIDTHxHEIGHT", DefaultValueFactory = _ => "320x240" };

    public IEnumerable<Option> Options => [Count, Scenes, Seed, Size];

    /// <summary>The chosen picture size (even numbers, as H.264's 4:2:0 needs).</summary>
    public (int Width, int Height) PictureSize(ParseResult parse)
    {
        var text = parse.GetValue(Size) ?? "";
        var parts = text.Split('x');
        if (parts.Length == 2 && int.TryParse(parts[0], out var width) && int.TryParse(parts[1], out var height)
            && width is >= 16 and <= 3840 && height is >= 16 and <= 2160 && width % 2 == 0 && height % 2 == 0)
        {
            return (width, height);
        }
        throw new UserInputException($"--size must be WIDTHxHEIGHT with even numbers from 16x16 to 3840x2160, not '{text}'");
    }

    /// <summary>The chosen scene count, after checking the options (before anything is rendered).</summary>
    public int ScenesPerVideo(ParseResult parse)
    {
        if (parse.GetValue(Count) < 1) throw new UserInputException("--count must be at least 1");
        if (parse.GetValue(Scenes) < 1) throw new UserInputException("--scenes must be at least 1");
        return parse.GetValue(Scenes);
    }

    /// <summary>Renders the videos into <paramref name="folder"/>; their paths in order.</summary>
    public async Task<IReadOnlyList<string>> GenerateAsync(ParseResult parse, string folder, CancellationToken cancellationToken)
    {
        var (width, height) = PictureSize(parse);
        var geometry = ClipGeometry.Reference with { Width = width, Height = height };
        var options = new WorldSetOptions(parse.GetValue(Count), parse.GetValue(Seed), ScenesPerVideo(parse), geometry);
        await CommandRunner.WithProgressAsync("rendering videos", async report =>
            await WorldSetGenerator.GenerateAsync(folder, options, (done, total) => report(done, total, ""), cancellationToken));
        return Directory.GetFiles(folder, "*.mp4").Order(StringComparer.Ordinal).ToList();
    }
}
