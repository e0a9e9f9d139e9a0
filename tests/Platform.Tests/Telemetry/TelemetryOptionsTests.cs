using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;
using VideoCoca.ServiceDefaults.Telemetry;

namespace VideoCoca.Platform.Tests.Telemetry;

/// <summary>The Telemetry section as an operator writes it: a bad value stops the host naming the key; JsonLogs switches the console to JSON.</summary>
public sealed class TelemetryOptionsTests
{
    [Theory]
    [InlineData("Telemetry:OtlpProtocol", "udp", "Telemetry:OtlpProtocol")]
    [InlineData("Telemetry:OtlpEndpoint", "collector:4318", "Telemetry:OtlpEndpoint")]
    public void ABadValueStopsTheHostNamingTheKey(string key, string value, string named)
    {
        var builder = Builder(new() { [key] = value });
        var e = Assert.Throws<OptionsValidationException>(() => builder.AddPlatformTelemetry("vcp-test"));
        Assert.Contains(named, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("true", "json")]
    [InlineData("false", "simple")]
    public void JsonLogsSwitchesTheConsoleToOneJsonObjectALine(string json, string formatter)
    {
        var builder = Builder(new() { ["Telemetry:JsonLogs"] = json, ["Logging:Console:FormatterName"] = "simple" });
        builder.AddPlatformTelemetry("vcp-test");
        using var host = builder.Build();
        Assert.Equal(formatter, host.Services.GetRequiredService<IOptionsMonitor<ConsoleLoggerOptions>>().CurrentValue.FormatterName);
    }

    private static HostApplicationBuilder Builder(Dictionary<string, string?> settings)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = false, Args = [] });
        builder.Configuration.AddInMemoryCollection(settings);
        return builder;
    }
}
