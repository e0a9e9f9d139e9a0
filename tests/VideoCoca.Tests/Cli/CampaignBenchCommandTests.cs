namespace VideoCoca.Tests.Cli;

/// <summary>
/// <c>vcp bench campaign</c>'s options: it is listed under <c>vcp bench</c> with the options its documentation names, and a
/// bad option is refused in one line before anything is rendered or started (the run itself needs the stack and minutes).
/// </summary>
public sealed class CampaignBenchCommandTests
{
    [Fact]
    public void Help_lists_the_options()
    {
        var result = CliProcess.Run("bench", "campaign", "--help");
        Assert.True(result.ExitCode == 0, result.Stderr);
        foreach (var option in new[] { "--videos", "--scenes", "--uploads", "--upload-scenes", "--gap", "--rate", "--model-a", "--model-b", "--batch-size", "--timeout", "--json" })
        {
            Assert.Contains(option, result.Stdout);
        }
        Assert.Contains("campaign", CliProcess.Run("bench", "--help").Stdout);
    }

    [Theory]
    [InlineData("--uploads", "0", "--uploads must be at least 1")]
    [InlineData("--videos", "0", "--videos must be at least 1")]
    [InlineData("--rate", "0", "--rate must be at least 1")]
    [InlineData("--gap", "-1", "--gap must be zero or more")]
    [InlineData("--model-b", "/nowhere/model", "--model-b: no such model folder")]
    public void Bad_options_are_refused_in_one_line(string option, string value, string expected)
    {
        var started = DateTime.UtcNow;
        BadInputTests.AssertOneLineError(CliProcess.Run("bench", "campaign", option, value), expected);
        // Refused at once: no videos rendered, no stack started.
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(60), "the refusal took a minute: did the bench start?");
    }
}
