using System.Text.Json;

namespace VideoCoca.Tests.Cli;

/// <summary>
/// <c>vcp model bench</c> on random weights of the tiny size with few tokens: both paths measured in one run, the same
/// texts from both, loads with and without initialisation measured in processes of their own, and the figures there.
/// </summary>
public sealed class ModelBenchCommandTests
{
    [Fact]
    public void Both_paths_are_measured_in_one_run_and_give_the_same_texts()
    {
        var result = CliProcess.Run("model", "bench", "--size", "tiny", "--batch", "2,3", "--tokens", "4", "--iterations", "2", "--peak-seconds", "0.2", "--json");

        Assert.True(result.ExitCode == 0, result.Stderr);
        using var json = JsonDocument.Parse(result.Stdout);
        var root = json.RootElement;
        Assert.Equal("tiny", root.GetProperty("model").GetString());
        Assert.True(root.GetProperty("random_weights").GetBoolean());
        Assert.Equal(4, root.GetProperty("tokens").GetInt32());
        Assert.True(root.GetProperty("same_texts").GetBoolean());
        Assert.True(root.GetProperty("matmul_peak_gflops").GetDouble() > 0);
        Assert.Equal(3, root.GetProperty("questions").GetArrayLength());

        var loads = root.GetProperty("loads").EnumerateArray().ToList();
        Assert.Equal(["none", "random"], loads.Select(l => l.GetProperty("initialisation").GetString()));
        Assert.All(loads, l =>
        {
            Assert.True(l.GetProperty("seconds").GetDouble() > 0);
            Assert.True(l.GetProperty("peak_rss_mb").GetDouble() >= l.GetProperty("rss_before_mb").GetDouble());
        });

        var predicts = root.GetProperty("predicts").EnumerateArray().ToList();
        Assert.Equal([(2, "old"), (2, "new"), (3, "old"), (3, "new")],
            predicts.Select(p => (p.GetProperty("batch").GetInt32(), p.GetProperty("path").GetString())));
        Assert.All(predicts, p =>
        {
            Assert.Equal(2, p.GetProperty("seconds").GetArrayLength());
            Assert.True(p.GetProperty("clips_per_second").GetDouble() > 0);
            Assert.True(p.GetProperty("share_of_peak").GetDouble() > 0);
        });
        Assert.All(predicts.Where(p => p.GetProperty("path").GetString() == "new"), p => Assert.True(p.GetProperty("speed_up").GetDouble() > 0));
        Assert.Equal(2, root.GetProperty("encodes").GetArrayLength());
    }

    [Fact]
    public void The_table_names_both_paths_and_the_loads()
    {
        var result = CliProcess.Run("model", "bench", "--size", "tiny", "--batch", "2", "--tokens", "3", "--peak-seconds", "0.2");

        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Contains("one generation per text", result.Stdout);
        Assert.Contains("one decode for all texts", result.Stdout);
        Assert.Contains("random initialisation, then weights", result.Stdout);
        Assert.Contains("same captions and answers on both paths: yes", result.Stdout);
    }

    [Theory]
    [InlineData("--batch", "8,x", "--batch must be positive whole numbers")]
    [InlineData("--tokens", "0", "--tokens must be between 1 and")]
    [InlineData("--path", "sideways", "--path must be both, old or new")]
    [InlineData("--iterations", "0", "--iterations must be at least 1")]
    [InlineData("--size", "huge", "--size must be one of")]
    public void Bad_options_are_refused_in_one_line(string option, string value, string expected)
    {
        var arguments = option == "--size" ? new[] { "model", "bench", option, value } : ["model", "bench", "--size", "tiny", option, value];
        BadInputTests.AssertOneLineError(CliProcess.Run(arguments), expected);
    }
}
