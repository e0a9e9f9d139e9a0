using static TorchSharp.torch;
using VideoCoca.Checkpoints;
using VideoCoca.Evaluation;
using VideoCoca.Inference;
using VideoCoca.Media;
using VideoCoca.World.EditionTwo;

namespace VideoCoca.Tests.World;

/// <summary>
/// The shipped second-world model (models/world-v2), judged on clips that ffmpeg's own filters drew at frame sizes from
/// 128x96 to 640x480 and lengths from 2 to 8 s, and held to issue 14's targets: on clips like those it was trained on,
/// and on clips made only of the combinations no training set shows.
/// </summary>
public sealed class ShippedSecondWorldModelTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("vcp-ffmpeg-v2-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task Shipped_model_describes_ffmpeg_drawn_clips_of_the_second_world()
    {
        using var testScope = NewDisposeScope();
        var report = await EvaluateAsync(await RenderAsync("held-out", 48, 20261201));

        Assert.Equal(48, report.Clips);
        Assert.Empty(report.Errors);
        Assert.True(report.CaptionExactMatch >= 0.85, $"caption exact match {report.CaptionExactMatch:0.000}");
        Assert.True(report.ActionSetExact >= 0.95, $"action set exact {report.ActionSetExact:0.000}");
        Assert.True(report.TextToVideoR1 >= 0.70, $"text-to-video R@1 {report.TextToVideoR1:0.000}");
        Assert.True(report.SearchPrecisionAt10 >= 0.90, $"search precision@10 {report.SearchPrecisionAt10:0.000}");
        AssertEachForm(report, 0.95);
    }

    [Fact]
    public async Task Shipped_model_describes_combinations_it_never_saw()
    {
        using var testScope = NewDisposeScope();
        var report = await EvaluateAsync(await RenderAsync("withheld", 32, 20261202, "--withheld"));

        Assert.Equal(32, report.Clips);
        Assert.Empty(report.Errors);
        // A green triangle, a blue circle moving up, a large white circle on gray: every clip shows one of them.
        Assert.True(report.CaptionExactMatch >= 0.70, $"caption exact match {report.CaptionExactMatch:0.000}");
        Assert.True(report.QaAccuracy[WorldEvaluator.Overall] >= 0.90, $"QA accuracy {report.QaAccuracy[WorldEvaluator.Overall]:0.000}");
    }

    private static void AssertEachForm(Edition2EvaluationReport report, double floor)
    {
        foreach (var form in Edition2Vocabulary.QuestionForms)
        {
            Assert.True(report.QaAccuracy.TryGetValue(form, out var accuracy), $"no '{form}' questions in the report");
            Assert.True(accuracy >= floor, $"'{form}' questions answered right {accuracy:0.000} of the time");
        }
    }

    private async Task<string> RenderAsync(string name, int count, int seed, params string[] options)
    {
        var folder = Path.Combine(_folder, name);
        await FfmpegWorldSets.RenderAsync(["--edition", "2", "--mixed", .. options, folder, count.ToString(), seed.ToString()]);
        return folder;
    }

    private static async Task<Edition2EvaluationReport> EvaluateAsync(string folder)
    {
        var loaded = ModelCheckpoint.Load(Path.Combine(TestPaths.RepositoryRoot, "models", "world-v2"));
        var evaluator = new Edition2Evaluator(new VideoCocaPredictor(loaded), new ClipLoader(loaded.Model.Config));
        return await evaluator.EvaluateAsync(Edition2LabelledSet.Load(folder));
    }
}
