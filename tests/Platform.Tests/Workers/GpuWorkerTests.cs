using System.Collections.Concurrent;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;
using VideoCoca.Checkpoints;
using VideoCoca.Configuration;
using VideoCoca.Contracts.Api;
using VideoCoca.Contracts.Messages;
using VideoCoca.GpuWorkers.Hosting;
using VideoCoca.Inference;
using VideoCoca.Media;
using VideoCoca.Messaging.Hosting;
using VideoCoca.Persistence;
using VideoCoca.Persistence.Entities;
using VideoCoca.Persistence.Hosting;
using VideoCoca.Platform.Tests.Infrastructure;
using VideoCoca.Tokenization;
using VideoCoca.World;

namespace VideoCoca.Platform.Tests.Workers;

/// <summary>
/// The worker host on the real stack with a small untrained model: batches of AnalyzeClip become result rows
/// and ClipAnalyzed messages; a redelivery writes nothing new; a missing frames file fails that clip; a poison
/// message ends in the error queue and is still reported as ClipFailed.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class GpuWorkerTests(PrivateStackFixture own) : IAsyncLifetime, IClassFixture<PrivateStackFixture>
{
    // A database of its own: the versions these workers register (B-32 among them) must not become the active version
    // that other classes' uploads are queued for.
    private StackFixture stack => own.Stack;

    private readonly string _folder = Directory.CreateTempSubdirectory("vcp-worker-tests-").FullName;
    private readonly string _queue = $"analyze-clip-tests-{Guid.NewGuid():N}";
    private readonly Outcomes _outcomes = new();
    private IHost? _worker;
    private IHost? _probe;

    public async Task InitializeAsync()
    {
        var model = Path.Combine(_folder, "model");
        ModelCheckpoint.Save(model, new VideoCocaModel(ModelSizes.Get(ModelSizes.Tiny)), WordTokenizer.FromTexts(WorldVocabulary.AllTexts()), LabelSet.World());
        _worker = WorkerHost.CreateBuilder([
            $"--Postgres:ConnectionString={stack.ConnectionString}",
            $"--RabbitMq:Url={stack.RabbitMqUrl}",
            $"--Worker:ModelPath={model}",
            $"--Worker:QueueName={_queue}",
            "--Worker:BatchSize=8",
            "--Worker:BatchTimeLimit=00:00:00.300",
            "--Worker:RetryLimit=1",
            "--Worker:Device=cpu",
            "--Logging:LogLevel:Default=Warning",
        ]).Build();
        await _worker.StartAsync();

        var probe = Host.CreateApplicationBuilder();
        probe.Logging.SetMinimumLevel(LogLevel.Warning);
        probe.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["RabbitMq:Url"] = stack.RabbitMqUrl });
        probe.Services.AddSingleton(_outcomes);
        probe.Services.AddPlatformMessaging(probe.Configuration, bus =>
        {
            bus.AddConsumer<AnalyzedProbe>().Endpoint(e => { e.Name = $"{_queue}-analyzed"; e.Temporary = true; });
            bus.AddConsumer<FailedProbe>().Endpoint(e => { e.Name = $"{_queue}-failed"; e.Temporary = true; });
        });
        _probe = probe.Build();
        await _probe.StartAsync();
    }

    public async Task DisposeAsync()
    {
        if (_probe is not null) { await _probe.StopAsync(); _probe.Dispose(); }
        if (_worker is not null) { await _worker.StopAsync(); _worker.Dispose(); }
        // Durable queues (a temporary endpoint's error queue is exclusive to the worker's connection): removed here.
        await DeleteQueueAsync(_queue);
        await DeleteQueueAsync($"{_queue}_error");
        Directory.Delete(_folder, recursive: true);
    }

    [Fact(Timeout = 300_000)]
    public async Task ClipsAreAnalysedOnceAndFailuresAreReported()
    {
        var config = ModelSizes.Get(ModelSizes.Tiny);
        var video = await WriteWorldVideoAsync();
        var frames = await WriteClipFramesAsync(video, config);
        Assert.Equal(3, frames.Count);

        var videoId = Guid.NewGuid();
        var clipIds = Enumerable.Range(0, 5).Select(_ => Guid.NewGuid()).ToArray();
        await RecordVideoAsync(videoId, clipIds);
        var bus = _worker!.Services.GetRequiredService<IBus>();
        var questions = WorldVocabulary.Questions;
        // The third clip asks nothing, as an upload without questions does: it gets the model's own default questions
        // (its labels.json, here the world's three).
        AnalyzeClip Message(int index, ClipFrames clipFrames) =>
            new(videoId, clipIds[index], index, index, index + 1, clipFrames, index == 2 ? [] : questions, null);

        for (var i = 0; i < 3; i++)
        {
            await bus.Publish(Message(i, frames[i]));
        }
        await _outcomes.WaitAsync(() => _outcomes.Analyzed.Count >= 3);

        await using (var db = CreateContext())
        {
            var results = await db.ClipResults.Include(r => r.Labels).Include(r => r.Answers).Include(r => r.ModelVersion)
                .Where(r => clipIds.Contains(r.ClipId)).ToListAsync();
            Assert.Equal(3, results.Count);
            Assert.All(results, r =>
            {
                Assert.False(string.IsNullOrWhiteSpace(r.ModelVersion!.Name));
                Assert.StartsWith("sha256:", r.ModelVersion.Checksum);
                Assert.Equal(config.EmbedDim, r.Embedding.ToArray().Length);
                Assert.Equal([0, 1, 2], r.Labels.Select(l => l.Rank).Order());
                Assert.All(r.Labels, l => Assert.InRange(l.Confidence, 0, 1));
                Assert.Equal(questions.Order(), r.Answers.Select(a => a.Question).Order());
            });
            var states = await db.Clips.Where(c => clipIds.Take(3).Contains(c.Id)).Select(c => c.State).ToListAsync();
            Assert.All(states, s => Assert.Equal(ClipState.Analysed, s));
        }
        var analyzed = _outcomes.Analyzed.Values.ToList();
        Assert.Equal([0, 1, 2], analyzed.Select(a => a.ClipIndex).Order());
        Assert.All(analyzed, a =>
        {
            Assert.Equal(videoId, a.VideoId);
            Assert.Equal(3, a.Labels.Count);
            Assert.Equal(questions, a.Answers.Select(q => q.Question));
        });

        // A redelivery: the worker answers again but stores nothing new and fails nothing.
        _outcomes.Analyzed.Clear();
        await bus.Publish(Message(0, frames[0]));
        await _outcomes.WaitAsync(() => _outcomes.Analyzed.ContainsKey(clipIds[0]));
        await using (var db = CreateContext())
        {
            Assert.Equal(1, await db.ClipResults.CountAsync(r => r.ClipId == clipIds[0]));
            Assert.Equal(3, await db.ClipLabels.CountAsync(l => l.ClipId == clipIds[0]));
            Assert.Equal(3, await db.ClipAnswers.CountAsync(a => a.ClipId == clipIds[0]));
        }

        // A missing frames file fails that clip only.
        var missing = frames[1] with { Path = Path.Combine(_folder, "no-such-clip.rgb") };
        await bus.Publish(Message(3, missing));
        await _outcomes.WaitAsync(() => _outcomes.Failed.ContainsKey(clipIds[3]));
        Assert.Contains("missing", _outcomes.Failed[clipIds[3]].Reason);
        await AssertClipFailedAsync(clipIds[3], "missing");

        // A poison message (frames of a size the model cannot take): error queue, and still ClipFailed.
        var poison = frames[2] with { Height = config.Vision.ImageHeight + 1 };
        await bus.Publish(Message(4, poison));
        await _outcomes.WaitAsync(() => _outcomes.Failed.ContainsKey(clipIds[4]));
        Assert.Contains("the model takes", _outcomes.Failed[clipIds[4]].Reason);
        await AssertClipFailedAsync(clipIds[4], "the model takes");
        var fault = await ReadErrorQueueAsync($"{_queue}_error", clipIds[4]);
        Assert.Contains("the model takes", fault);
    }

    // Building, saving, importing and loading a B-32 checkpoint took about 4 minutes at a load average of 40 (2 cores).
    [Fact(Timeout = 1_500_000)]
    public async Task AnImportedOpenClipModelRunsLikeAWorldModel()
    {
        // open_clip's coca_ViT-B-32 layout, imported as users import the published weights (random values here: the
        // test is about the worker taking the checkpoint, its CLIP tokenizer and its 224x224 centre-crop input).
        var config = ModelSizes.Get(ModelSizes.CocaViTB32);
        var weights = Path.Combine(_folder, "open_clip_model.safetensors");
        using (var source = new VideoCocaModel(config)) SafeTensors.Save(weights, source.state_dict());
        var imported = Path.Combine(_folder, "coca-b32");
        ModelCheckpoint.Import(weights, ModelSizes.CocaViTB32, ClipBpePath, imported);
        File.Delete(weights);
        // A folder copied by hand may lack tokenizer.json: the worker's TokenizerPath names the vocabulary instead.
        File.Delete(Path.Combine(imported, ModelCheckpoint.TokenizerFile));

        var queue = $"{_queue}-b32";
        using var worker = WorkerHost.CreateBuilder([
            $"--Postgres:ConnectionString={stack.ConnectionString}",
            $"--RabbitMq:Url={stack.RabbitMqUrl}",
            $"--Worker:ModelPath={imported}",
            $"--Worker:TokenizerPath={ClipBpePath}",
            // A durable queue: a send to an exclusive (temporary) one from another channel is refused as locked.
            $"--Worker:QueueName={queue}",
            "--Worker:BatchSize=2",
            "--Worker:Device=cpu",
            "--Logging:LogLevel:Default=Warning",
        ]).Build();
        await worker.StartAsync();
        try
        {
            var frames = await WriteClipFramesAsync(await WriteWorldVideoAsync(), config);
            var videoId = Guid.NewGuid();
            var clipId = Guid.NewGuid();
            await RecordVideoAsync(videoId, [clipId]);
            var endpoint = await worker.Services.GetRequiredService<IBus>().GetSendEndpoint(new Uri($"queue:{queue}"));
            await endpoint.Send(new AnalyzeClip(videoId, clipId, 0, 0, 1, frames[0], WorldVocabulary.Questions, null));
            // Random weights have no reason to emit the end token early, so the caption and each of the three answers may
            // decode the whole 76-token context with B-32's decoder: at a load average of 40 (2 cores) no outcome came
            // within the 2 minutes the tiny model's clips get.
            await _outcomes.WaitAsync(() => _outcomes.Analyzed.ContainsKey(clipId) || _outcomes.Failed.ContainsKey(clipId), TimeSpan.FromMinutes(10));
            Assert.False(_outcomes.Failed.TryGetValue(clipId, out var failed), failed?.Reason);

            await using var db = CreateContext();
            var result = await db.ClipResults.Include(r => r.Labels).Include(r => r.Answers).Include(r => r.ModelVersion)
                .SingleAsync(r => r.ClipId == clipId);
            Assert.StartsWith($"{ModelSizes.CocaViTB32}-", result.ModelVersion!.Name);
            Assert.Equal(config.EmbedDim, result.Embedding.ToArray().Length);
            Assert.Equal(3, result.Labels.Count);
            Assert.Equal(WorldVocabulary.Questions.Order(), result.Answers.Select(a => a.Question).Order());
            Assert.NotNull(result.Caption);
        }
        finally
        {
            await worker.StopAsync();
        }
    }

    private static string ClipBpePath => Path.GetFullPath(Path.Combine(RepositoryPaths.Root, "..", "shared", "clip-bpe", "bpe_simple_vocab_16e6.txt.gz"));

    private async Task AssertClipFailedAsync(Guid clipId, string reason)
    {
        await using var db = CreateContext();
        var clip = await db.Clips.SingleAsync(c => c.Id == clipId);
        Assert.Equal(ClipState.Failed, clip.State);
        Assert.Contains(reason, clip.Error);
        Assert.Equal(0, await db.ClipResults.CountAsync(r => r.ClipId == clipId));
    }

    private async Task<string> WriteWorldVideoAsync()
    {
        var geometry = new ClipGeometry(160, 120, 1.0);
        var rng = new Random(7);
        var scenes = Enumerable.Range(0, 3).Select(_ => WorldRenderer.RandomScene(rng, geometry)).ToList();
        var path = Path.Combine(_folder, "world.mp4");
        await WorldVideoWriter.WriteAsync(path, scenes, geometry);
        return path;
    }

    /// <summary>Each 1 s clip's frames as a raw [T, H, W, 3] file, sampled as ClipLoader samples them.</summary>
    private async Task<List<ClipFrames>> WriteClipFramesAsync(string videoPath, ModelConfig config)
    {
        var (width, height, count) = (config.Vision.ImageWidth, config.Vision.ImageHeight, config.Video.Frames);
        var video = await VideoFrameReader.ReadAsync(videoPath, width, height, config.Preprocess.Resize);
        var clips = new List<ClipFrames>();
        foreach (var (start, end) in ClipWindows.Split(video.Duration, 1.0, 0, video.FrameRate))
        {
            var first = Math.Clamp((int)Math.Round(start * video.FrameRate), 0, video.FrameCount - 1);
            var last = Math.Clamp((int)Math.Round(end * video.FrameRate), first + 1, video.FrameCount);
            var indices = ClipGeometry.SampleIndices(last - first, count);
            var path = Path.Combine(_folder, $"clip-{clips.Count}.rgb");
            await using (var file = File.Create(path))
            {
                foreach (var index in indices)
                {
                    await file.WriteAsync(video.Rgb24.AsMemory((first + index) * video.FrameBytes, video.FrameBytes));
                }
            }
            clips.Add(new ClipFrames(path, FrameElementType.UInt8, count, height, width));
        }
        return clips;
    }

    private async Task RecordVideoAsync(Guid videoId, Guid[] clipIds)
    {
        await using var db = CreateContext();
        var now = DateTimeOffset.UtcNow;
        db.Videos.Add(new Video
        {
            Id = videoId, TenantId = Tenant.DefaultId, FileName = "world.mp4", BlobPath = "/blobs/world.mp4", State = VideoState.Analysing,
            ClipLengthSeconds = 1, FramesPerClip = 8, CreatedAt = now, UpdatedAt = now, ClipsTotal = clipIds.Length,
        });
        for (var i = 0; i < clipIds.Length; i++)
        {
            db.Clips.Add(new Clip { Id = clipIds[i], VideoId = videoId, Index = i, StartSeconds = i, EndSeconds = i + 1, State = ClipState.Queued });
        }
        await db.SaveChangesAsync();
    }

    private ResultsDbContext CreateContext() => new(ResultsDbContextOptions.Create(stack.ConnectionString));

    private async Task<string> ReadErrorQueueAsync(string queue, Guid clipId)
    {
        await using var connection = await new ConnectionFactory { Uri = new Uri(stack.RabbitMqUrl) }.CreateConnectionAsync();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            // A channel per try: asking for a queue not declared yet (it is, with the first fault) closes the channel.
            await using var channel = await connection.CreateChannelAsync();
            BasicGetResult? message;
            try
            {
                message = await channel.BasicGetAsync(queue, autoAck: true);
            }
            catch (RabbitMQ.Client.Exceptions.OperationInterruptedException e) when (e.ShutdownReason?.ReplyCode == 404)
            {
                message = null;
            }
            if (message is null)
            {
                await Task.Delay(200);
                continue;
            }
            var body = System.Text.Encoding.UTF8.GetString(message.Body.Span);
            if (body.Contains(clipId.ToString(), StringComparison.OrdinalIgnoreCase))
            {
                var headers = message.BasicProperties.Headers ?? new Dictionary<string, object?>();
                return headers.TryGetValue("MT-Fault-Message", out var value) && value is byte[] bytes ? System.Text.Encoding.UTF8.GetString(bytes) : "";
            }
        }
        throw new TimeoutException($"clip {clipId} did not reach {queue}");
    }

    private async Task DeleteQueueAsync(string queue)
    {
        try
        {
            await using var connection = await new ConnectionFactory { Uri = new Uri(stack.RabbitMqUrl) }.CreateConnectionAsync();
            await using var channel = await connection.CreateChannelAsync();
            await channel.QueueDeleteAsync(queue);
        }
        catch (Exception e) when (e is RabbitMQ.Client.Exceptions.OperationInterruptedException)
        {
            // Never declared: nothing to clean up.
        }
    }

    public sealed class Outcomes
    {
        public ConcurrentDictionary<Guid, ClipAnalyzed> Analyzed { get; } = new();

        public ConcurrentDictionary<Guid, ClipFailed> Failed { get; } = new();

        /// <summary>Waits until <paramref name="done"/>, for <paramref name="patience"/> (2 minutes unless told).</summary>
        public async Task WaitAsync(Func<bool> done, TimeSpan? patience = null)
        {
            var wait = patience ?? TimeSpan.FromMinutes(2);
            var deadline = DateTime.UtcNow + wait;
            while (!done())
            {
                if (DateTime.UtcNow > deadline)
                {
                    throw new TimeoutException(
                        $"gave up waiting after {wait.TotalSeconds:F0} s: {Analyzed.Count} analysed, {Failed.Count} failed ({string.Join("; ", Failed.Values.Select(f => f.Reason))})");
                }
                await Task.Delay(100);
            }
        }
    }

    public sealed class AnalyzedProbe(Outcomes outcomes) : IConsumer<ClipAnalyzed>
    {
        public Task Consume(ConsumeContext<ClipAnalyzed> context)
        {
            outcomes.Analyzed[context.Message.ClipId] = context.Message;
            return Task.CompletedTask;
        }
    }

    public sealed class FailedProbe(Outcomes outcomes) : IConsumer<ClipFailed>
    {
        public Task Consume(ConsumeContext<ClipFailed> context)
        {
            outcomes.Failed[context.Message.ClipId] = context.Message;
            return Task.CompletedTask;
        }
    }
}
