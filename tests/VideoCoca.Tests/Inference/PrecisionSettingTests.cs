using VideoCoca.Inference;

namespace VideoCoca.Tests.Inference;

/// <summary>How a worker reads Worker:Precision: auto follows the hardware, a named precision is taken as named.</summary>
public sealed class PrecisionSettingTests
{
    [Theory]
    [InlineData("float32", InferencePrecision.Float32)]
    [InlineData(" FP32 ", InferencePrecision.Float32)]
    [InlineData("bfloat16", InferencePrecision.BFloat16)]
    [InlineData("bf16", InferencePrecision.BFloat16)]
    public void ANamedPrecisionIsTakenAsNamedOnAnyDevice(string setting, InferencePrecision expected)
    {
        Assert.Equal(expected, InferencePrecisions.Resolve(setting, onCpu: true));
        Assert.Equal(expected, InferencePrecisions.Resolve(setting, onCpu: false));
    }

    [Fact]
    public void AutoIsBFloat16ExactlyOnACpuThatMultipliesItInHardwareAndFloat32OnAGpu()
    {
        var hardware = InferencePrecisions.CpuHasBFloat16Matmul();

        Assert.Equal(hardware ? InferencePrecision.BFloat16 : InferencePrecision.Float32, InferencePrecisions.Resolve("auto", onCpu: true));
        Assert.Equal(hardware ? InferencePrecision.BFloat16 : InferencePrecision.Float32, InferencePrecisions.Resolve("Auto", onCpu: true));
        Assert.Equal(InferencePrecision.Float32, InferencePrecisions.Resolve("auto", onCpu: false));
    }

    [Theory]
    [InlineData("half")]
    [InlineData("")]
    [InlineData(null)]
    public void AnythingElseIsRefused(string? setting)
    {
        Assert.Null(InferencePrecisions.Resolve(setting, onCpu: true));
        var error = Assert.Throws<UserInputException>(() => InferencePrecisions.ResolveOption(setting, "--precision"));
        Assert.Contains("auto, float32 or bfloat16", error.Message);
    }
}
