using VideoCoca.Checkpoints;
using VideoCoca.Configuration;

namespace VideoCoca.Tests.Cli;

/// <summary>Bad input to the CLI gives one clear line on stderr and a non-zero exit, never a stack trace.</summary>
public sealed class BadInputTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("vcp-cli-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    internal static void AssertOneLineError(CliProcess.Result result, string expected)
    {
        Assert.NotEqual(0, result.ExitCode);
        var lines = result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, $"expected one line on stderr, got:\n{result.Stderr}");
        Assert.StartsWith("error: ", lines[0]);
        Assert.Contains(expected, lines[0]);
        Assert.DoesNotContain("   at ", result.Stderr);
    }

    private string MicroModel()
    {
        var folder = Path.Combine(_folder, "micro");
        ModelCheckpoint.Save(folder, new VideoCocaModel(TinyModels.Micro()), TinyModels.WorldTokenizer(), TinyModels.Labels());
        return folder;
    }

    [Fact]
    public void Missing_video_file()
    {
        var result = CliProcess.Run("model", "caption", "--model", MicroModel(), Path.Combine(_folder, "nowhere.mp4"));
        AssertOneLineError(result, "no such file");
    }

    [Fact]
    public void File_that_is_not_a_video()
    {
        var path = Path.Combine(_folder, "notes.mp4");
        File.WriteAllText(path, "these are not frames\n");
        var result = CliProcess.Run("model", "caption", "--model", MicroModel(), path);
        AssertOneLineError(result, "is not a video");
    }

    [Fact]
    public void Empty_video_file()
    {
        var path = Path.Combine(_folder, "empty.mp4");
        File.WriteAllBytes(path, []);
        AssertOneLineError(CliProcess.Run("model", "caption", "--model", MicroModel(), path), "is empty");
    }

    [Fact]
    public void Empty_labels_file()
    {
        var data = Directory.CreateDirectory(Path.Combine(_folder, "set")).FullName;
        File.WriteAllText(Path.Combine(data, "labels.jsonl"), "");
        AssertOneLineError(CliProcess.Run("model", "eval", "--model", MicroModel(), "--data", data), "has no labels");
    }

    [Fact]
    public void Missing_labels_folder()
    {
        AssertOneLineError(CliProcess.Run("model", "eval", "--model", MicroModel(), "--data", Path.Combine(_folder, "absent")), "no such folder");
    }

    [Fact]
    public void Checkpoint_of_another_shape()
    {
        var folder = MicroModel();
        // The config now claims the tiny size, but the weights are the micro model's.
        File.WriteAllText(Path.Combine(folder, ModelCheckpoint.ConfigFile), ModelSizes.Get(ModelSizes.Tiny).ToJson());
        var video = Path.Combine(_folder, "v.mp4");
        File.WriteAllText(video, "x");
        AssertOneLineError(CliProcess.Run("model", "caption", "--model", folder, video), "has shape");
    }

    [Fact]
    public void Folder_that_is_not_a_model()
    {
        var video = Path.Combine(_folder, "v.mp4");
        File.WriteAllText(video, "x");
        AssertOneLineError(CliProcess.Run("model", "caption", "--model", _folder, video), "config.json is missing");
    }

    /// <summary>Checked before any video is rendered or the platform started.</summary>
    [Theory]
    [InlineData("ingest", "--count", "0", "--count must be at least 1")]
    [InlineData("ingest", "--repeats", "-1", "--repeats must be at least 1")]
    [InlineData("ingest", "--overlap", "4", "--overlap must be at least 0 and less than --clip-length")]
    [InlineData("pipeline", "--count", "0", "--count must be at least 1")]
    [InlineData("pipeline", "--batch-size", "0", "--batch-size must be at least 1")]
    [InlineData("pipeline", "--rounds", "0", "--rounds must be at least 1")]
    public void Bench_with_an_impossible_setting(string bench, string option, string value, string expected)
    {
        AssertOneLineError(CliProcess.Run("bench", bench, option, value), expected);
    }
}
