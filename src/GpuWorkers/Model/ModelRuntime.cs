using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using VideoCoca.Checkpoints;
using VideoCoca.Configuration;
using VideoCoca.GpuWorkers.Hosting;
using VideoCoca.Inference;
using VideoCoca.Preprocessing;
using static TorchSharp.torch;

namespace VideoCoca.GpuWorkers.Model;

/// <summary>
/// The model one worker runs: loaded once on the chosen device, with its predictor, its input normaliser and
/// the name its results are stored under. Only one forward pass runs at a time, upload lane and campaign lane and
/// queries alike; <see cref="Gate"/> makes sure of it and decides who goes next.
/// </summary>
public sealed class ModelRuntime
{
    private readonly ILogger<ModelRuntime> _logger;
    private readonly WorkerOptions _options;
    private readonly Lock _identity = new();
    private VideoCocaPredictor? _predictor;
    private FrameNormalizer? _normalizer;
    private ModelConfig? _config;

    public ModelRuntime(IOptions<WorkerOptions> options, ILogger<ModelRuntime> logger)
    {
        _options = options.Value;
        _logger = logger;
    }

    /// <summary>One forward pass at a time, work someone waits for first.</summary>
    public ModelGate Gate { get; } = new();

    /// <summary>Where the model is loaded and every forward pass runs (see <see cref="ModelThread"/>).</summary>
    public ModelThread Thread { get; } = new();

    public VideoCocaPredictor Predictor => _predictor ?? throw NotLoaded();

    public FrameNormalizer Normalizer => _normalizer ?? throw NotLoaded();

    public ModelConfig Config => _config ?? throw NotLoaded();

    /// <summary>The registered name results are stored under.</summary>
    public string VersionName { get; private set; } = "";

    /// <summary>"sha256:..." of the weights file.</summary>
    public string Checksum { get; private set; } = "";

    /// <summary>The model_versions row's id, once registered.</summary>
    public int VersionId { get; internal set; }

    /// <summary>cpu or cuda.</summary>
    public string DeviceName { get; private set; } = "cpu";

    /// <summary>Where the model folder is, the configured path resolved.</summary>
    public string Folder { get; private set; } = "";

    /// <summary>
    /// The model's folder, checksum and version name, from the options, config.json and a hash of the weights, without
    /// loading the model (once; later calls return the same name). The bus names the version's query endpoint with it
    /// while it is being configured, which need not wait for <see cref="Load"/>: MassTransit may build the bus before
    /// the hosted services start.
    /// </summary>
    public string Identify()
    {
        lock (_identity)
        {
            if (VersionName.Length == 0)
            {
                var folder = ResolvePath(_options.ModelPath);
                var checksum = "sha256:" + HashFile(Path.Combine(folder, ModelCheckpoint.WeightsFile));
                var configName = ModelCheckpoint.ReadConfig(folder).Name;
                (Folder, Checksum) = (folder, checksum);
                VersionName = string.IsNullOrWhiteSpace(_options.ModelVersion)
                    ? $"{configName}-{checksum["sha256:".Length..][..12]}"
                    : _options.ModelVersion.Trim();
            }
            return VersionName;
        }
    }

    /// <summary>Loads the model folder onto the configured device, on the model thread, and names its version.</summary>
    public Task LoadAsync() => Thread.RunAsync(Load);

    private void Load()
    {
        Identify();
        var cuda = cuda_is_available();
        DeviceName = _options.Device switch
        {
            "cuda" when !cuda => throw new InvalidOperationException("Worker:Device is cuda but torch finds no CUDA device"),
            "cuda" => "cuda",
            "cpu" => "cpu",
            _ => cuda ? "cuda" : "cpu",
        };
        if (_options.Threads > 0)
        {
            set_num_threads(_options.Threads);
        }
        // Every tensor the library makes (weights, token ids, inputs) lands on the chosen device.
        set_default_device(DeviceName == "cuda" ? CUDA : CPU);
        var precision = InferencePrecisions.Resolve(_options.Precision, onCpu: DeviceName == "cpu") ?? InferencePrecision.Float32;
        if (precision == InferencePrecision.BFloat16 && DeviceName == "cpu" && !InferencePrecisions.CpuHasBFloat16Matmul())
        {
            _logger.LogWarning("Worker:Precision is bfloat16 but this CPU has no bfloat16 matrix instructions (amx_bf16, avx512_bf16): expect it slower than float32");
        }
        var loaded = ModelCheckpoint.Load(
            Folder, bpePath: string.IsNullOrWhiteSpace(_options.TokenizerPath) ? null : ResolvePath(_options.TokenizerPath), precision: precision);
        _config = loaded.Model.Config;
        _predictor = new VideoCocaPredictor(loaded);
        _normalizer = new FrameNormalizer(_config.Preprocess);
        _logger.LogInformation(
            "Model {Version} ({Checksum}) loaded from {Folder} on {Device} in {Precision}: {Frames} frames of {Height}x{Width}, {Labels} labels",
            VersionName, Checksum, Folder, DeviceName, precision.Name(), _config.Video.Frames, _config.Vision.ImageHeight, _config.Vision.ImageWidth,
            loaded.Labels.Actions.Count);
    }

    /// <summary>The configured folder or file as given when it exists, else under the repository root when one is found above the binaries.</summary>
    public static string ResolvePath(string configured)
    {
        if (Path.IsPathRooted(configured) || Directory.Exists(configured) || File.Exists(configured))
        {
            return Path.GetFullPath(configured);
        }
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "VideoCocaPlatform.sln")))
            {
                return Path.Combine(directory.FullName, configured);
            }
        }
        return Path.GetFullPath(configured);
    }

    private static string HashFile(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"the model's weights are missing: {path}", path);
        }
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    private static InvalidOperationException NotLoaded() => new("The model is not loaded yet.");
}
