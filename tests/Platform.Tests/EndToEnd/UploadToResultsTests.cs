using VideoCoca.Contracts.Api;
using VideoCoca.Platform.Tests.Infrastructure;

namespace VideoCoca.Platform.Tests.EndToEnd;

/// <summary>
/// The whole platform as separate processes (silo, worker with the shipped model, gateway) on PostgreSQL and RabbitMQ:
/// a video uploaded over HTTP comes back, clip by clip, with what is in it.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class UploadToResultsTests(StackFixture stack)
{
    /// <summary>
    /// Any seed: the shipped models/world-tiny reads every scene of the world right (caption, label and all three
    /// answers on 400 held-out clips, docs/model.md), so a wrong clip here is the platform's fault, not the model's.
    /// </summary>
    private const int Seed = 1;

    [Fact(Timeout = 300_000)]
    public async Task AThreeSceneVideoUploadedOverHttpComesBackAsThreeClipsWithItsScenesCaptionsLabelsAndAnswers()
    {
        await using var platform = new RunningPlatform(stack, "http");
        platform.StartSilo("silo");
        platform.StartWorker("worker");
        platform.StartGateway();
        await platform.CheckAsync(async () =>
        {
            var video = await WorldVideo.RenderAsync(Path.Combine(platform.Folder, "three-scenes.mp4"), Seed, scenes: 3);
            await platform.WaitUntilReadyAsync();

            var videoId = await platform.UploadAsync(video.Path);
            var status = (await platform.WaitForFinishedAsync([videoId], TimeSpan.FromMinutes(2)))[videoId];
            Assert.Equal((VideoState.Completed, 3, 3, 0, (string?)null), (status.State, status.Progress.Total, status.Progress.Done, status.Progress.Failed, status.Error));
            Assert.Equal("three-scenes.mp4", status.FileName);
            Assert.Equal(12.0, status.DurationSeconds!.Value, 3);

            var clips = await platform.GetClipsAsync(videoId);
            Assert.Equal([0, 1, 2], clips.Select(c => c.Index));
            var modelVersion = Assert.Single(await platform.ModelVersionsAsync());
            for (var i = 0; i < 3; i++)
            {
                var (clip, scene) = (clips[i], video.Scenes[i]);
                var expected = new
                {
                    Range = video.TimeRange(i),
                    scene.Caption,
                    TopLabel = scene.Action,
                    Answers = WorldVideo.Answers(scene).OrderBy(a => a.Key, StringComparer.Ordinal).ToList(),
                };
                var actual = new
                {
                    Range = (Math.Round(clip.StartSeconds, 6), Math.Round(clip.EndSeconds, 6)),
                    clip.Caption,
                    TopLabel = clip.Labels[0].Label,
                    Answers = clip.Answers.Select(a => KeyValuePair.Create(a.Question, a.Answer)).OrderBy(a => a.Key, StringComparer.Ordinal).ToList(),
                };
                Assert.True(expected.Range == actual.Range && expected.Caption == actual.Caption && expected.TopLabel == actual.TopLabel
                    && expected.Answers.SequenceEqual(actual.Answers),
                    $"clip {i} ({scene}): expected {Describe(expected.Range, expected.Caption, expected.TopLabel, expected.Answers)}\n" +
                    $"but the platform says {Describe(actual.Range, actual.Caption, actual.TopLabel, actual.Answers)}");
                Assert.Equal(modelVersion, clip.ModelVersion);
                Assert.InRange(clip.Labels.Count, 1, 5);
                Assert.Equal(clip.Labels.OrderByDescending(l => l.Confidence).Select(l => l.Label), clip.Labels.Select(l => l.Label));
                Assert.Equal($"/api/videos/{videoId}/clips/{i}/thumbnail", clip.ThumbnailUrl);
                using var thumbnail = await platform.Http.GetAsync(clip.ThumbnailUrl);
                Assert.Equal("image/jpeg", thumbnail.Content.Headers.ContentType?.MediaType);
            }
        });
    }

    private static string Describe((double, double) range, string caption, string label, IEnumerable<KeyValuePair<string, string>> answers) =>
        $"[{range.Item1}, {range.Item2}] \"{caption}\", top label \"{label}\", answers {string.Join("; ", answers.Select(a => $"{a.Key} {a.Value}"))}";
}
