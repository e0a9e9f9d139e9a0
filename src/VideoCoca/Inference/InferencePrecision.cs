using System.Text.Json.Serialization;
using static TorchSharp.torch;

namespace VideoCoca.Inference;

/// <summary>The number format a predictor runs its model in.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<InferencePrecision>))]
public enum InferencePrecision
{
    /// <summary>The weights as trained: what every evaluation and test of the shipped models measures.</summary>
    [JsonStringEnumMemberName("float32")] Float32,

    /// <summary>
    /// Weights and activations in bfloat16, embeddings, probabilities and logits read back as float32. On CPUs with
    /// AMX (Intel Xeon from Sapphire Rapids on) libtorch's matrix products run several times faster than in float32;
    /// elsewhere they may run slower. Texts can differ from float32's where two tokens were nearly tied.
    /// </summary>
    [JsonStringEnumMemberName("bfloat16")] BFloat16,
}

public static class InferencePrecisions
{
    public static ScalarType ScalarType(this InferencePrecision precision) => precision switch
    {
        InferencePrecision.Float32 => TorchSharp.torch.ScalarType.Float32,
        InferencePrecision.BFloat16 => TorchSharp.torch.ScalarType.BFloat16,
        _ => throw new ArgumentOutOfRangeException(nameof(precision), precision, "unknown precision"),
    };

    /// <summary>Parses "float32" / "fp32" or "bfloat16" / "bf16", any case; null for anything else.</summary>
    public static InferencePrecision? Parse(string? text) => text?.Trim().ToLowerInvariant() switch
    {
        "float32" or "fp32" => InferencePrecision.Float32,
        "bfloat16" or "bf16" => InferencePrecision.BFloat16,
        _ => null,
    };

    /// <summary>
    /// A precision setting as a worker reads it: "auto" is bfloat16 on a CPU that multiplies it in hardware
    /// (<see cref="CpuHasBFloat16Matmul"/>; there it is about twice float32's speed, with the same captions, answers and
    /// scores on the shipped model) and float32 everywhere else, GPUs included; otherwise as <see cref="Parse"/>.
    /// </summary>
    public static InferencePrecision? Resolve(string? text, bool onCpu) =>
        string.Equals(text?.Trim(), "auto", StringComparison.OrdinalIgnoreCase)
            ? onCpu && CpuHasBFloat16Matmul() ? InferencePrecision.BFloat16 : InferencePrecision.Float32
            : Parse(text);

    /// <summary><see cref="Parse"/> for a command-line option: anything else is the user's error, naming the option.</summary>
    public static InferencePrecision ParseOption(string? text, string option) =>
        Parse(text) ?? throw new UserInputException($"{option} must be float32 or bfloat16, not '{text}'");

    /// <summary><see cref="Resolve"/> for a command-line option that stands for a worker's setting (on the CPU).</summary>
    public static InferencePrecision ResolveOption(string? text, string option) =>
        Resolve(text, onCpu: true) ?? throw new UserInputException($"{option} must be auto, float32 or bfloat16, not '{text}'");

    public static string Name(this InferencePrecision precision) =>
        precision == InferencePrecision.BFloat16 ? "bfloat16" : "float32";

    /// <summary>
    /// Whether this CPU multiplies bfloat16 matrices in hardware (AMX tiles, or AVX-512 BF16): without it libtorch
    /// emulates them, and bfloat16 is slower than float32.
    /// </summary>
    public static bool CpuHasBFloat16Matmul()
    {
        try
        {
            if (!File.Exists("/proc/cpuinfo")) return false;
            var flags = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("flags", StringComparison.Ordinal));
            if (flags is null) return false;
            var set = flags.Split([' ', '\t', ':'], StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);
            return set.Contains("amx_bf16") || set.Contains("avx512_bf16");
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>The tensor as float32: logits and embeddings leave the model in the format the rest of the code reads.</summary>
    public static Tensor AsFloat32(this Tensor tensor) =>
        tensor.dtype == TorchSharp.torch.ScalarType.Float32 ? tensor : tensor.to_type(TorchSharp.torch.ScalarType.Float32);
}
