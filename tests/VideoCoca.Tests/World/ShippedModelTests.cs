using System.Diagnostics;
using VideoCoca.Checkpoints;
using VideoCoca.Evaluation;
using VideoCoca.Inference;
using VideoCoca.Media;
using VideoCoca.World;

namespace VideoCoca.Tests.World;

/// <summary>The shipped model, judged on clips that ffmpeg's own filters drew: none of the project's rendering code.</summary>
public sealed class ShippedModelTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("vcp-ffmpeg-set-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task Shipped_model_describes_ffmpeg_rendered_clips()
    {
        var script = Path.Combine(TestPaths.RepositoryRoot, "scripts", "render-world-ffmpeg.sh");
        using (var render = Process.Start(new ProcessStartInfo("bash", [script, _folder, "40", "20261123"]) { RedirectStandardOutput = true })!)
        {
            await render.WaitForExitAsync();
            Assert.Equal(0, render.ExitCode);
        }
        var loaded = ModelCheckpoint.Load(Path.Combine(TestPaths.RepositoryRoot, "models", "world-tiny"));
        var evaluator = new WorldEvaluator(new VideoCocaPredictor(loaded), new ClipLoader(loaded.Model.Config));
        var report = await evaluator.EvaluateAsync(LabelledSet.Load(_folder));

        Assert.Equal(40, report.Clips);
        Assert.Empty(report.Errors);
        // Appearance is solved: colour and size are read off any frame.
        Assert.True(report.QaAccuracy["what color is the square?"] >= 0.95, $"colour {report.QaAccuracy["what color is the square?"]}");
        Assert.True(report.QaAccuracy["how big is the square?"] >= 0.95, $"size {report.QaAccuracy["how big is the square?"]}");
        // Motion is not yet: the shipped model finds the axis of motion but not reliably its direction (about 0.6,
        // where axis-only guessing gives 0.6), so these floors guard what it does today. Issue 2's targets (caption
        // 0.90, action 0.95, every question 0.95, R@1 0.80) are measured by `vcp model eval` and are not met yet.
        Assert.True(report.QaAccuracy["which way is the square moving?"] >= 0.5, $"motion {report.QaAccuracy["which way is the square moving?"]}");
        Assert.True(report.CaptionExactMatch >= 0.55, $"caption exact match {report.CaptionExactMatch}");
        Assert.True(report.ActionTop1 >= 0.5, $"action top-1 {report.ActionTop1}");
        Assert.True(report.TextToVideoR1 >= 0.6, $"text-to-video R@1 {report.TextToVideoR1}");
    }
}
