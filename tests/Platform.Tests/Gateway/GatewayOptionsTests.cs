using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using VideoCoca.Gateway.Hosting;

namespace VideoCoca.Platform.Tests.Gateway;

/// <summary>The gateway's settings as deploy/README.md documents them (no stack needed: nothing is started).</summary>
public sealed class GatewayOptionsTests
{
    [Fact]
    public async Task UnsetDefaultQuestionsAreLeftToTheModel()
    {
        // None sent: each worker answers its own model's default questions (AnalyzeClipBatchConsumer).
        await using var app = GatewayApp.Build([]);
        Assert.Empty(app.Services.GetRequiredService<IOptions<GatewayOptions>>().Value.DefaultQuestions);
    }

    /// <summary>Binding appends to an array's initial items: configured questions once came after the world's three.</summary>
    [Fact]
    public async Task ConfiguredDefaultQuestionsReplaceTheWorldsQuestions()
    {
        await using var app = GatewayApp.Build(["--Gateway:DefaultQuestions:0=what is it?", "--Gateway:DefaultQuestions:1=where is it?"]);
        Assert.Equal(["what is it?", "where is it?"], app.Services.GetRequiredService<IOptions<GatewayOptions>>().Value.DefaultQuestions);
    }
}
