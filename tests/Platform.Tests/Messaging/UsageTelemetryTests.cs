using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using VideoCoca.Messaging.Hosting;

namespace VideoCoca.Platform.Tests.Messaging;

/// <summary>Every host's bus is set up by <see cref="MessagingServiceCollectionExtensions.AddPlatformMessaging"/>: none may report usage to MassTransit's vendor.</summary>
public sealed class UsageTelemetryTests
{
    [Fact]
    public void PlatformBusSendsNoUsageTelemetry()
    {
        var services = new ServiceCollection();
        services.AddPlatformMessaging(new ConfigurationBuilder().Build());
        using var provider = services.BuildServiceProvider();

        var options = provider.GetRequiredService<IOptions<UsageTelemetryOptions>>().Value;

        Assert.False(options.Enabled, "the platform's bus would send usage telemetry to MassTransit's vendor");
    }
}
