using System.Diagnostics;
using VideoCoca.Checkpoints;
using VideoCoca.Evaluation;
using VideoCoca.Inference;
using VideoCoca.Media;
using VideoCoca.World.EditionTwo;

namespace VideoCoca.Tests.World;

/// <summary>
/// The shipped second-world model (models/world-v2), judged on clips that ffmpeg's own filters drew at frame sizes from
/// 128x96 to 640x480 and lengths from 2 to 8 s. Where the model meets issue 14's targets the test holds it to them;
/// where it does not yet (action sets, shape questions, the withheld combinations: docs/model.md), to floors a little
/// under what it scores on these sets, so that a retrained model can only replace it by doing at least as well.
/// </summary>
public sealed class ShippedSecondWorldModelTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("vcp-ffmpeg-v2-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task Shipped_model_describes_ffmpeg_drawn_clips_of_the_second_world()
    {
        var report = await EvaluateAsync(await RenderAsync("held-out", 48, 20261201));

        Assert.Equal(48, report.Clips);
        Assert.Empty(report.Errors);
        // Issue 14's targets, met.
        Assert.True(report.CaptionExactMatch >= 0.85, $"caption exact match {report.CaptionExactMatch:0.000}");
        Assert.True(report.TextToVideoR1 >= 0.70, $"text-to-video R@1 {report.TextToVideoR1:0.000}");
        Assert.True(report.SearchPrecisionAt10 >= 0.90, $"search precision@10 {report.SearchPrecisionAt10:0.000}");
        Assert.Equal(1.0, report.QaAccuracy["count"]);
        // Floors under issue 14's targets (0.95 for each): scored 0.646 and 0.925 to 0.971 on this set on 2026-12-01.
        Assert.True(report.ActionSetExact >= 0.60, $"action set exact {report.ActionSetExact:0.000}");
        foreach (var form in Edition2Vocabulary.QuestionForms)
        {
            Assert.True(report.QaAccuracy.TryGetValue(form, out var accuracy), $"no '{form}' questions in the report");
            Assert.True(accuracy >= 0.90, $"'{form}' questions answered right {accuracy:0.000} of the time");
        }
    }

    [Fact]
    public async Task Shipped_model_describes_combinations_it_never_saw()
    {
        var report = await EvaluateAsync(await RenderAsync("withheld", 32, 20261202, "--withheld"));

        Assert.Equal(32, report.Clips);
        // Floors far under issue 14's targets (caption 0.70, QA 0.90): scored 0.250 and 0.734 on this set on 2026-12-01.
        // What it gets right there is the parts it saw: counts, motions and sizes of unseen colour-shape pairs.
        Assert.True(report.CaptionExactMatch >= 0.20, $"caption exact match {report.CaptionExactMatch:0.000}");
        Assert.True(report.QaAccuracy[WorldEvaluator.Overall] >= 0.70, $"QA accuracy {report.QaAccuracy[WorldEvaluator.Overall]:0.000}");
        Assert.True(report.QaAccuracy["motion"] >= 0.90, $"motion questions answered right {report.QaAccuracy["motion"]:0.000} of the time");
    }

    private async Task<string> RenderAsync(string name, int count, int seed, params string[] options)
    {
        var folder = Path.Combine(_folder, name);
        var script = Path.Combine(TestPaths.RepositoryRoot, "scripts", "render-world-ffmpeg.sh");
        using var render = Process.Start(new ProcessStartInfo("bash", [script, "--edition", "2", "--mixed", .. options, folder, count.ToString(), seed.ToString()])
        {
            RedirectStandardOutput = true,
        })!;
        await render.WaitForExitAsync();
        Assert.Equal(0, render.ExitCode);
        return folder;
    }

    private static async Task<Edition2EvaluationReport> EvaluateAsync(string folder)
    {
        var loaded = ModelCheckpoint.Load(Path.Combine(TestPaths.RepositoryRoot, "models", "world-v2"));
        var evaluator = new Edition2Evaluator(new VideoCocaPredictor(loaded), new ClipLoader(loaded.Model.Config));
        return await evaluator.EvaluateAsync(Edition2LabelledSet.Load(folder));
    }
}
