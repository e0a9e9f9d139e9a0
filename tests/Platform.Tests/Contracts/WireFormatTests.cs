using System.Text.Json;
using System.Text.Json.Nodes;
using VideoCoca.Contracts.Api;
using VideoCoca.Contracts.Messages;

namespace VideoCoca.Platform.Tests.Contracts;

public sealed class WireFormatTests
{
    private static readonly VideoStatus Status = new()
    {
        VideoId = Guid.Parse("6f1c2d3e-0000-4000-8000-000000000001"),
        FileName = "squares.mp4",
        State = VideoState.CompletedWithErrors,
        Progress = new VideoProgress { Done = 5, Total = 5, Failed = 1 },
        Error = "1 clip failed",
        Warnings = ["ffmpeg: 1 of 100 frames could not be decoded"],
        CreatedAt = new DateTimeOffset(2026, 11, 23, 8, 0, 0, TimeSpan.Zero),
        UpdatedAt = new DateTimeOffset(2026, 11, 23, 8, 1, 0, TimeSpan.Zero),
    };

    public static TheoryData<string> Options => new() { "default", "web" };

    private static JsonSerializerOptions Resolve(string name) =>
        name == "web" ? JsonSerializerOptions.Web : JsonSerializerOptions.Default;

    [Theory]
    [MemberData(nameof(Options))]
    public void VideoStatusIsSnakeCaseWhateverTheHostsOptions(string options)
    {
        var json = JsonNode.Parse(JsonSerializer.Serialize(Status, Resolve(options)))!.AsObject();

        Assert.Equal(
            ["video_id", "file_name", "state", "progress", "error", "warnings", "duration_seconds", "created_at", "updated_at"],
            json.Select(p => p.Key));
        Assert.Equal("completed_with_errors", json["state"]!.GetValue<string>());
        Assert.Equal(["done", "total", "failed"], json["progress"]!.AsObject().Select(p => p.Key));
        Assert.Equal(Status.Warnings, json["warnings"]!.AsArray().Select(w => w!.GetValue<string>()));
        // A list compares by reference in a record's equality: compared on its own.
        var read = JsonSerializer.Deserialize<VideoStatus>(json.ToJsonString(), Resolve(options))!;
        Assert.Equal(Status.Warnings, read.Warnings);
        Assert.Equal(Status, read with { Warnings = Status.Warnings });
    }

    [Fact]
    public void ClipResultIsSnakeCase()
    {
        var result = new ClipResult
        {
            ClipId = Guid.NewGuid(),
            Index = 2,
            StartSeconds = 4,
            EndSeconds = 6,
            Caption = "a small red square moves left",
            Labels = [new LabelResult { Label = "moving left", Confidence = 0.93 }],
            Answers = [new AnswerResult { Question = "what colour?", Answer = "red" }],
            ModelVersion = "world-tiny",
            ThumbnailUrl = "/api/clips/2/thumbnail",
        };

        var json = JsonNode.Parse(JsonSerializer.Serialize(result, JsonSerializerOptions.Web))!.AsObject();

        Assert.Equal(
            ["clip_id", "index", "start_seconds", "end_seconds", "caption", "labels", "answers", "model_version", "thumbnail_url", "state", "error"],
            json.Select(p => p.Key));
        Assert.Equal(["label", "confidence"], json["labels"]![0]!.AsObject().Select(p => p.Key));
        Assert.Equal(["question", "answer"], json["answers"]![0]!.AsObject().Select(p => p.Key));
    }

    [Theory]
    [InlineData("received", VideoState.Received)]
    [InlineData("probing", VideoState.Probing)]
    [InlineData("splitting", VideoState.Splitting)]
    [InlineData("analysing", VideoState.Analysing)]
    [InlineData("completed", VideoState.Completed)]
    [InlineData("completed_with_errors", VideoState.CompletedWithErrors)]
    [InlineData("failed", VideoState.Failed)]
    public void VideoStatesHaveSnakeCaseNames(string wire, VideoState state)
    {
        Assert.Equal($"\"{wire}\"", JsonSerializer.Serialize(state));
        Assert.Equal(state, JsonSerializer.Deserialize<VideoState>($"\"{wire}\""));
    }

    [Fact]
    public void MessagesRoundTripThroughSystemTextJson()
    {
        var analyze = new AnalyzeClip(
            Guid.NewGuid(), Guid.NewGuid(), 1, 2.0, 4.0,
            new ClipFrames("/blobs/v/1.f32", FrameElementType.Float32, 8, 224, 224),
            ["is anything moving?"], "world-tiny");
        var analyzed = new ClipAnalyzed(
            analyze.VideoId, analyze.ClipId, 1, "world-tiny", "a square moves up",
            [new LabelScore("moving up", 0.8)], [new QuestionAnswer("is anything moving?", "yes")], DateTimeOffset.UtcNow);
        var failed = new ClipFailed(analyze.VideoId, analyze.ClipId, 1, null, "frames file is truncated", DateTimeOffset.UtcNow);

        var analyzeBack = JsonSerializer.Deserialize<AnalyzeClip>(JsonSerializer.Serialize(analyze, JsonSerializerOptions.Web), JsonSerializerOptions.Web)!;
        var analyzedBack = JsonSerializer.Deserialize<ClipAnalyzed>(JsonSerializer.Serialize(analyzed))!;
        var failedBack = JsonSerializer.Deserialize<ClipFailed>(JsonSerializer.Serialize(failed))!;

        Assert.Equal(analyze.Frames, analyzeBack.Frames);
        Assert.Equal(analyze.Questions, analyzeBack.Questions);
        Assert.Equal(analyze with { Questions = analyzeBack.Questions }, analyzeBack);
        Assert.Equal(analyzed.Labels, analyzedBack.Labels);
        Assert.Equal(analyzed.Answers, analyzedBack.Answers);
        Assert.Equal(failed, failedBack);
    }

    [Fact]
    public void FramesDescribeTheirShapeAndSize()
    {
        var bytes = new ClipFrames("/f", FrameElementType.UInt8, 8, 224, 224);
        var floats = bytes with { ElementType = FrameElementType.Float32 };

        Assert.Equal([8, 224, 224, 3], bytes.Shape);
        Assert.Equal(8L * 224 * 224 * 3, bytes.ByteLength);
        Assert.Equal(4 * bytes.ByteLength, floats.ByteLength);
    }
}
