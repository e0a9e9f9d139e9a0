using VideoCoca.Checkpoints;
using VideoCoca.Configuration;

namespace VideoCoca.Tests.Cli;

/// <summary>
/// `vcp model train --stem` makes a new model with the value-colour stem, and a run is resumed by running its command
/// again as it was (scripts/train-world-v2.sh does so when a stage dies), the stem named again included.
/// </summary>
public sealed class TrainStemTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("vcp-stem-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static string[] Train(string folder, int steps, string stem) =>
        ["model", "train", "--world", "2", "--out", folder, "--size", "tiny-2", "--stem", stem, "--stage", "image", "--steps", steps.ToString(),
            "--batch-size", "2", "--checkpoint-every", "1", "--word-noise", "0.3"];

    [Fact]
    public void A_value_colour_run_resumes_with_the_same_command_and_refuses_another_stem()
    {
        var model = Path.Combine(_folder, "value-colour");
        var first = CliProcess.Run(Train(model, 1, "value-colour"));
        Assert.True(first.ExitCode == 0, first.Stderr);
        Assert.Equal(VisionStem.ValueColour, ModelCheckpoint.ReadConfig(model).Vision.Stem);

        var resumed = CliProcess.Run(Train(model, 2, "value-colour"));
        Assert.True(resumed.ExitCode == 0, resumed.Stderr);
        Assert.Contains($"resuming {model} at step 1", resumed.Stderr);

        var other = CliProcess.Run(Train(model, 3, "rgb"));
        BadInputTests.AssertOneLineError(other, $"--stem rgb differs from the stem of {model}");
    }

    [Fact]
    public void An_unknown_stem()
    {
        var result = CliProcess.Run(Train(Path.Combine(_folder, "bad"), 1, "hsv"));
        BadInputTests.AssertOneLineError(result, "--stem must be rgb or value-colour, not 'hsv'");
        Assert.False(File.Exists(Path.Combine(_folder, "bad", ModelCheckpoint.WeightsFile)), "nothing is trained on bad input");
    }
}
