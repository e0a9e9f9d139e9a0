using System.Reflection;
using MassTransit;

namespace VideoCoca.Platform.Tests.Messaging;

/// <summary>
/// MassTransit 9 refuses to start without a commercial licence key, yet skips that check under test
/// runners: only a version check catches an upgrade before deployed hosts crash. Keep 8.x (Apache-2.0).
/// </summary>
public sealed class MassTransitVersionTests
{
    public static TheoryData<string, Type> MassTransitAssemblies => new()
    {
        { "MassTransit", typeof(Bus) },
        { "MassTransit.Abstractions", typeof(IBus) },
        { "MassTransit.RabbitMqTransport", typeof(RabbitMqBusFactoryConfiguratorExtensions) },
    };

    [Theory]
    [MemberData(nameof(MassTransitAssemblies))]
    public void MassTransitStaysBelowVersion9(string assemblyName, Type type)
    {
        var assembly = type.Assembly;
        var version = assembly.GetName().Version!;
        var informational = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;

        Assert.Equal(assemblyName, assembly.GetName().Name);
        Assert.True(version.Major < 9,
            $"{assemblyName} {informational ?? version.ToString()} is MassTransit {version.Major}: from 9 on it needs a commercial " +
            "licence and crashes deployed hosts without one. Pin 8.5.12 in Directory.Packages.props.");
        Assert.Equal(8, version.Major);
    }
}
