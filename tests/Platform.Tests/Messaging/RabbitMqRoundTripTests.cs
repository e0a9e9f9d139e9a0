using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using VideoCoca.Contracts.Messages;
using VideoCoca.Messaging.Hosting;
using VideoCoca.Platform.Tests.Infrastructure;

namespace VideoCoca.Platform.Tests.Messaging;

/// <summary>The hosts' bus wiring against the stack's RabbitMQ node: a published AnalyzeClip reaches its consumer.</summary>
[Collection(StackCollection.Name)]
public sealed class RabbitMqRoundTripTests(StackFixture stack)
{
    [Fact(Timeout = 120_000)]
    public async Task APublishedAnalyzeClipReachesItsConsumer()
    {
        var probe = new Probe();
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["RabbitMq:Url"] = stack.RabbitMqUrl });
        builder.Services.AddSingleton(probe);
        builder.Services.AddPlatformMessaging(builder.Configuration, bus =>
            bus.AddConsumer<ProbeConsumer>().Endpoint(endpoint =>
            {
                endpoint.Name = $"platform-tests-{Guid.NewGuid():N}";
                endpoint.Temporary = true;
            }));
        using var host = builder.Build();
        await host.StartAsync();
        try
        {
            var sent = new AnalyzeClip(
                Guid.NewGuid(), Guid.NewGuid(), 3, 6.0, 8.0,
                new ClipFrames("/blobs/clips/3.rgb", FrameElementType.UInt8, 8, 224, 224),
                ["what colour is the square?"], null);
            await host.Services.GetRequiredService<IBus>().Publish(sent);

            var received = await probe.Received.Task.WaitAsync(TimeSpan.FromSeconds(60));

            Assert.Equal(sent.ClipId, received.ClipId);
            Assert.Equal(sent.Frames, received.Frames);
            Assert.Equal(sent.Questions, received.Questions);
        }
        finally
        {
            await host.StopAsync();
        }
    }

    public sealed class Probe
    {
        public TaskCompletionSource<AnalyzeClip> Received { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    public sealed class ProbeConsumer(Probe probe) : IConsumer<AnalyzeClip>
    {
        public Task Consume(ConsumeContext<AnalyzeClip> context)
        {
            probe.Received.TrySetResult(context.Message);
            return Task.CompletedTask;
        }
    }
}
