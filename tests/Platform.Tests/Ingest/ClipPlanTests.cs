using VideoCoca.Ingest;
using VideoCoca.Media;
using VideoCoca.World;

namespace VideoCoca.Platform.Tests.Ingest;

/// <summary>
/// The silo's clip plan against the model's own loader: the same windows and the same sampled frames, and every second
/// of a video in a clip, for lengths that are not multiples of the clip length and rates whose frames do not fall on
/// clip boundaries.
/// </summary>
public sealed class ClipPlanTests
{
    public static TheoryData<double, double, double> Settings => new()
    {
        { 25, 4, 0 },
        { 30000 / 1001.0, 4, 0 },
        { 30000 / 1001.0, 4, 1 },
        { 24, 1, 0.5 },
        { 60, 0.5, 0.25 },
        { 12.5, 3, 0 },
    };

    [Theory]
    [MemberData(nameof(Settings))]
    public void The_plan_is_the_model_loaders_and_covers_the_video_to_its_end(double frameRate, double length, double overlap)
    {
        for (var frameCount = 1; frameCount <= 700; frameCount++)
        {
            var duration = frameCount / frameRate;
            var plan = ClipPlan.Plan(frameCount, frameRate, length, overlap, samples: 8);
            var windows = ClipWindows.Split(duration, length, overlap, frameRate);

            Assert.Equal(windows, plan.Select(c => (c.Start, c.End)));
            Assert.Equal(Enumerable.Range(0, plan.Count), plan.Select(c => c.Index));
            Assert.Equal(0, plan[0].Start);
            Assert.Equal(duration, plan[^1].End);
            for (var i = 0; i < plan.Count; i++)
            {
                var clip = plan[i];
                Assert.True(clip.End > clip.Start, $"{frameCount} frames: clip {i} is empty");
                Assert.True(clip.End - clip.Start <= length + 1 / frameRate + 1e-9, $"{frameCount} frames: clip {i} is too long");
                if (i > 0) Assert.True(clip.Start <= plan[i - 1].End + 1e-9, $"{frameCount} frames: a gap before clip {i}");
                // The frames ClipWindows.SampleFrames reads for the same window.
                var first = Math.Clamp((int)Math.Round(clip.Start * frameRate), 0, frameCount - 1);
                var last = Math.Clamp((int)Math.Round(clip.End * frameRate), first + 1, frameCount);
                Assert.Equal(ClipGeometry.SampleIndices(last - first, 8).Select(o => first + o), clip.SampleFrames);
                Assert.All(clip.SampleFrames, f => Assert.InRange(f, 0, frameCount - 1));
            }
            // Each clip brings frames no clip before it has: no clip made of a sliver of a frame.
            for (var i = 1; i < plan.Count; i++)
            {
                var previousLast = Math.Clamp((int)Math.Round(plan[i - 1].End * frameRate), 1, frameCount);
                var last = Math.Clamp((int)Math.Round(plan[i].End * frameRate), 1, frameCount);
                Assert.True(last > previousLast, $"{frameCount} frames at {frameRate:F3} fps: clip {i} adds no frame");
            }
        }
    }

    [Fact]
    public void A_9_3_second_video_ends_in_a_1_3_second_clip()
    {
        var plan = ClipPlan.Plan(279, 30, 4, 0, 8);
        Assert.Equal([(0.0, 4.0), (4.0, 8.0), (8.0, 9.3)], plan.Select(c => (c.Start, Math.Round(c.End, 9))));
        // 39 frames (240..278) sampled at the centres of 8 slices; the thumbnail is the middle one.
        Assert.Equal([242, 247, 252, 257, 261, 266, 271, 276], plan[2].SampleFrames);
        Assert.Equal(259, plan[2].ThumbnailFrame);
        // Fewer frames than samples: frames repeat.
        Assert.Equal([120, 120, 120, 121, 121, 122, 122, 122], ClipPlan.Plan(123, 30, 4, 0, 8)[1].SampleFrames);
    }
}
