using System.Text.Json;
using VideoCoca.Checkpoints;
using VideoCoca.Tokenization;
using VideoCoca.World.EditionTwo;

namespace VideoCoca.Tests.Cli;

/// <summary>`vcp world generate --edition 2 [--withheld]` and `vcp model eval` on the set it writes, as a user runs them.</summary>
public sealed class WorldEdition2CommandTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("vcp-cli-world2-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string Data(string name) => Path.Combine(_folder, name);

    [Theory]
    [InlineData("--edition 3", "--edition must be 1 or 2, not 3")]
    [InlineData("--withheld", "--withheld needs --edition 2")]
    [InlineData("--edition 2 --width 120 --height 90", "at least 128x96")]
    [InlineData("--edition 2 --width 96 --height 200", "too narrow for two objects")]
    public void Bad_options_are_one_line_on_stderr(string options, string expected)
    {
        var result = CliProcess.Run(["world", "generate", "--out", Data("set"), "--count", "1", .. options.Split(' ')]);
        BadInputTests.AssertOneLineError(result, expected);
        Assert.False(Directory.Exists(Data("set")), "a refused command wrote its folder");
    }

    [Fact]
    public void A_second_edition_set_is_generated_and_scored_by_its_own_figures()
    {
        var data = Data("set");
        var generate = CliProcess.Run("world", "generate", "--edition", "2", "--withheld", "--out", data, "--count", "3", "--width", "128", "--height", "96", "--duration", "2");
        Assert.True(generate.ExitCode == 0, generate.Stderr);
        Assert.Contains("wrote 3 videos and labels.jsonl and queries.jsonl", generate.Stdout);
        Assert.All(Edition2LabelledSet.Load(data).Labels, l => Assert.True(l.Scene.HasWithheldCombination, l.Caption));

        var model = Data("micro");
        ModelCheckpoint.Save(model, new VideoCocaModel(TinyModels.Micro()), WordTokenizer.FromTexts(Edition2Vocabulary.AllTexts()), TinyModels.Labels());
        var eval = CliProcess.Run("model", "eval", "--model", model, "--data", data, "--json", "--batch-size", "2");
        Assert.True(eval.ExitCode == 0, eval.Stderr);
        using (var report = JsonDocument.Parse(eval.Stdout))
        {
            Assert.Equal(["clips", "caption_exact_match", "action_set_exact", "qa_accuracy", "text_to_video_r1", "search_precision_at_10", "clips_per_second", "errors"],
                report.RootElement.EnumerateObject().Select(p => p.Name));
            Assert.Equal(3, report.RootElement.GetProperty("clips").GetInt32());
            // Every clip is asked how many shapes it shows, its shapes' colours, each object's motion and size.
            var forms = report.RootElement.GetProperty("qa_accuracy").EnumerateObject().Select(p => p.Name).ToList();
            Assert.Superset(new HashSet<string> { "count", "color", "motion", "size", "overall" }, forms.ToHashSet());
            Assert.InRange(report.RootElement.GetProperty("search_precision_at_10").GetDouble(), 0, 1);
        }

        var text = CliProcess.Run("model", "eval", "--model", model, "--data", data);
        Assert.True(text.ExitCode == 0, text.Stderr);
        var labels = text.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l[..20].TrimEnd()).ToList();
        Assert.Equal(["clips", "caption exact match", "action set exact"], labels.Take(3));
        Assert.Contains("qa count", labels);
        Assert.Equal(["text-to-video R@1", "search P@10", "clips per second"], labels.TakeLast(3));

        BadInputTests.AssertOneLineError(CliProcess.Run("model", "eval-search", "--model", model, "--data", data), "eval-search reads first-edition sets");
    }

    [Fact]
    public void A_first_edition_set_is_still_scored_by_the_first_editions_figures()
    {
        var data = Data("set1");
        var generate = CliProcess.Run("world", "generate", "--out", data, "--count", "2", "--duration", "2");
        Assert.True(generate.ExitCode == 0, generate.Stderr);
        Assert.False(File.Exists(Path.Combine(data, Edition2LabelledSet.QueriesFile)));
        var model = Data("micro");
        ModelCheckpoint.Save(model, new VideoCocaModel(TinyModels.Micro()), TinyModels.WorldTokenizer(), TinyModels.Labels());
        var eval = CliProcess.Run("model", "eval", "--model", model, "--data", data, "--json");
        Assert.True(eval.ExitCode == 0, eval.Stderr);
        using var report = JsonDocument.Parse(eval.Stdout);
        Assert.Equal(["clips", "caption_exact_match", "action_top1", "qa_accuracy", "text_to_video_r1", "clips_per_second", "errors"],
            report.RootElement.EnumerateObject().Select(p => p.Name));
        Assert.Equal(["what color is the square?", "which way is the square moving?", "how big is the square?", "overall"],
            report.RootElement.GetProperty("qa_accuracy").EnumerateObject().Select(p => p.Name));
    }
}
