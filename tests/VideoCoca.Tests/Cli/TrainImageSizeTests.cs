using System.Text.Json;
using VideoCoca.Checkpoints;

namespace VideoCoca.Tests.Cli;

/// <summary>
/// `vcp model train --image-size` makes a model that reads frames of another size than its size preset's (the
/// platform's second model version, models/world-tiny-square, reads 64x64), and `vcp model eval` then decodes
/// clips at that size.
/// </summary>
public sealed class TrainImageSizeTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("vcp-image-size-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static string[] TrainOneStep(string folder, params string[] extra) =>
        ["model", "train", "--out", folder, "--size", "tiny", "--stage", "image", "--steps", "1", "--batch-size", "2", "--checkpoint-every", "1", .. extra];

    [Fact]
    public void A_model_trained_at_64x64_reads_and_is_scored_on_64x64_frames()
    {
        var model = Path.Combine(_folder, "square");
        var train = CliProcess.Run(TrainOneStep(model, "--image-size", "64x64"));
        Assert.True(train.ExitCode == 0, train.Stderr);

        var config = ModelCheckpoint.ReadConfig(model);
        Assert.Equal((64, 64, 8), (config.Vision.ImageWidth, config.Vision.ImageHeight, config.Vision.PatchSize));
        using (var loaded = ModelCheckpoint.Load(model).Model)
        {
            // One position per 8x8 patch of a 64x64 frame, plus the class token: the tiny preset's 64x48 has 49.
            Assert.Equal(65, loaded.Config.Vision.TokensPerFrame);
        }

        var data = Path.Combine(_folder, "set");
        var generate = CliProcess.Run("world", "generate", "--out", data, "--count", "2", "--seed", "3");
        Assert.True(generate.ExitCode == 0, generate.Stderr);
        var eval = CliProcess.Run("model", "eval", "--model", model, "--data", data, "--json", "--batch-size", "2");
        Assert.True(eval.ExitCode == 0, eval.Stderr);
        using var report = JsonDocument.Parse(eval.Stdout);
        Assert.Equal(2, report.RootElement.GetProperty("clips").GetInt32());
        Assert.Empty(report.RootElement.GetProperty("errors").EnumerateArray());
    }

    [Fact]
    public void Without_the_option_a_new_model_keeps_its_size_preset()
    {
        var model = Path.Combine(_folder, "tiny");
        var train = CliProcess.Run(TrainOneStep(model));
        Assert.True(train.ExitCode == 0, train.Stderr);
        var config = ModelCheckpoint.ReadConfig(model);
        Assert.Equal((64, 48), (config.Vision.ImageWidth, config.Vision.ImageHeight));
    }

    [Theory]
    [InlineData("64x60", "--image-size must be multiples of the patch size (8), not 64x60")]
    [InlineData("64", "--image-size must be WIDTHxHEIGHT in pixels, e.g. 64x64, not '64'")]
    [InlineData("0x64", "--image-size must be WIDTHxHEIGHT in pixels")]
    public void An_impossible_image_size(string size, string expected)
    {
        var result = CliProcess.Run(TrainOneStep(Path.Combine(_folder, "bad"), "--image-size", size));
        BadInputTests.AssertOneLineError(result, expected);
        Assert.False(File.Exists(Path.Combine(_folder, "bad", ModelCheckpoint.WeightsFile)), "nothing is trained on bad input");
    }

    [Fact]
    public void An_image_size_with_an_init_model()
    {
        var start = Path.Combine(_folder, "start");
        Assert.Equal(0, CliProcess.Run(TrainOneStep(start)).ExitCode);
        var result = CliProcess.Run("model", "train", "--out", Path.Combine(_folder, "next"), "--init", start, "--image-size", "64x64", "--steps", "1", "--batch-size", "2");
        BadInputTests.AssertOneLineError(result, "--image-size applies to a new model only");
    }
}
