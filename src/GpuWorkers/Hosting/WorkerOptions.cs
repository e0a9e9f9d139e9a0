using VideoCoca.Inference;

namespace VideoCoca.GpuWorkers.Hosting;

/// <summary>The <c>Worker</c> configuration section: which model a worker runs, and how it batches clips.</summary>
public sealed class WorkerOptions
{
    public const string SectionName = "Worker";

    /// <summary>The model folder (model.safetensors, config.json, tokenizer.json, labels.json); relative paths are taken from the repository root when found, else the working folder.</summary>
    public string ModelPath { get; set; } = "models/world-v2";

    /// <summary>CLIP's BPE vocabulary file, for a model folder that has weights and config.json but no tokenizer.json (open_clip weights copied by hand); empty uses the folder's tokenizer.json.</summary>
    public string TokenizerPath { get; set; } = "";

    /// <summary>The name results are stored under; empty for the model's config name and a short checksum of its weights.</summary>
    public string ModelVersion { get; set; } = "";

    /// <summary>At most this many clips go through one forward pass.</summary>
    public int BatchSize { get; set; } = 32;

    /// <summary>
    /// At most this many of a campaign's clips go through one forward pass. Smaller than <see cref="BatchSize"/> on
    /// purpose: a new upload's batch may have to wait for the campaign batch already in the model (never for more, see
    /// ModelGate), so this bounds what a campaign adds to an upload's latency, at some cost to the campaign's throughput.
    /// </summary>
    public int CampaignBatchSize { get; set; } = 4;

    /// <summary>
    /// A batch that is not full runs once no clip has arrived for this long. Counted from the latest clip, not the
    /// first: the clips of videos uploaded together arrive in bursts a few hundred milliseconds apart, and a large
    /// model takes about as long for a batch of 4 as for a batch of 8 (on a CPU its weights are read once a token
    /// either way), so a batch cut at the first burst made the next burst wait a whole forward pass.
    /// </summary>
    public TimeSpan BatchTimeLimit { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Labels stored per clip, best first.</summary>
    public int TopLabels { get; set; } = 3;

    /// <summary>auto (CUDA when available, else CPU), cpu or cuda.</summary>
    public string Device { get; set; } = "auto";

    /// <summary>Threads torch uses on the CPU; 0 leaves torch's default.</summary>
    public int Threads { get; set; }

    /// <summary>
    /// auto, float32 (the weights as trained) or bfloat16: the model built in bfloat16, several times faster on CPUs
    /// that multiply it in hardware (AMX, from Sapphire Rapids on); captions and answers can differ from float32's where
    /// two words were nearly tied (docs/benchmarks.md, "Model throughput"). auto takes bfloat16 on such a CPU and
    /// float32 elsewhere (<see cref="InferencePrecisions.Resolve"/>), as OpenVINO and oneDNN-based servers do.
    /// </summary>
    public string Precision { get; set; } = "auto";

    /// <summary>
    /// The shared queue of clips that name no model version (recorded while none was registered); every worker of a deployment
    /// takes from it besides its version's own queue, and the silos declare it too (their <c>Ingest:AnalysisQueue</c>).
    /// </summary>
    public string QueueName { get; set; } = "analyze-clip";

    /// <summary>
    /// Makes the queue exclusive and auto-deleted with the worker (tests that publish by themselves, on a queue name
    /// of their own: a silo declares its analysis queue durable, and a send from another connection to an exclusive
    /// queue is refused).
    /// </summary>
    public bool TemporaryQueue { get; set; }

    /// <summary>How often the worker records that it serves its version (GET /api/models counts workers seen within three periods).</summary>
    public TimeSpan HeartbeatPeriod { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Immediate retries of a failing message before it goes to the error queue.</summary>
    public int RetryLimit { get; set; } = 2;

    /// <summary>
    /// A test hook, 0 (off) in production: once the worker has stored this many results (over all its batches), the
    /// batch that would store the next one holds before it does, for ever, its messages taken and not acknowledged,
    /// so that a test can kill the worker with some of a batch's results stored and others not.
    /// </summary>
    public int HoldAfterStoredResults { get; set; }

    /// <summary>
    /// Store a batch's results in one transaction of a few round trips (true, the default); false stores each clip in a
    /// transaction of its own, as before (for comparing the two in a bench).
    /// </summary>
    public bool StoreResultsTogether { get; set; } = true;

    /// <summary>Checks the values; the worker refuses to start on a bad one.</summary>
    /// <summary>
    /// Whether a batch of campaign clips waits while new uploads are in progress (received, being split or analysed) before
    /// it reads its frames and enters the model: the upload's checks, split and analysis then have the machine, and the
    /// campaign's clips already sent wait in its lane. The silo's campaigns stop sending at the same time
    /// (Campaigns:YieldToUploads).
    /// </summary>
    public bool YieldToUploads { get; set; } = true;

    /// <summary>An upload in progress counts for <see cref="YieldToUploads"/> only while its row changed within this time (as Campaigns:UploadActivity).</summary>
    public TimeSpan UploadActivity { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// The longest one campaign batch waits for uploads: under uploads that never stop, campaigns still move, and no
    /// delivery stays unacknowledged long enough for RabbitMQ's consumer timeout (30 minutes by default).
    /// </summary>
    public TimeSpan UploadYieldLimit { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>glibc malloc arenas at most (<see cref="Model.NativeAllocator"/>); 0 keeps glibc's default (eight a core).</summary>
    public int AllocatorArenas { get; set; } = 2;

    /// <summary>
    /// Blocks from this many bytes up are mapped fresh and given back when freed (<see cref="Model.NativeAllocator"/>); 0 keeps
    /// glibc's default, a threshold that rises to 32 MB after the first large free.
    /// </summary>
    public int AllocatorMmapThreshold { get; set; }

    /// <summary>
    /// Give freed memory back to the system after each batch's forward pass (<see cref="Model.NativeAllocator.Trim"/>;
    /// false by default). The next batch then maps and faults the same memory in again: with B-32 shapes its passes cost
    /// about 40% more CPU than without (docs/benchmarks.md, "The worker's trim after each batch"), for about 2 GB less
    /// held between batches. On the model thread the memory stays bounded either way.
    /// </summary>
    public bool AllocatorTrimAfterBatch { get; set; }

    public IEnumerable<string> Validate()
    {
        if (AllocatorArenas < 0) yield return "Worker:AllocatorArenas must be 0 (glibc's default) or more";
        if (AllocatorMmapThreshold is < 0 or > 32 * 1024 * 1024) yield return "Worker:AllocatorMmapThreshold must be between 0 (glibc's default) and 33554432 bytes";
        if (UploadActivity <= TimeSpan.Zero) yield return "Worker:UploadActivity must be positive";
        if (UploadYieldLimit < TimeSpan.Zero) yield return "Worker:UploadYieldLimit must be zero or more";
        if (string.IsNullOrWhiteSpace(ModelPath)) yield return "Worker:ModelPath must name a model folder";
        if (BatchSize is < 1 or > 1024) yield return "Worker:BatchSize must be between 1 and 1024";
        if (CampaignBatchSize is < 1 or > 1024) yield return "Worker:CampaignBatchSize must be between 1 and 1024";
        if (BatchTimeLimit <= TimeSpan.Zero) yield return "Worker:BatchTimeLimit must be positive";
        if (TopLabels < 1) yield return "Worker:TopLabels must be at least 1";
        if (Device is not ("auto" or "cpu" or "cuda")) yield return "Worker:Device must be auto, cpu or cuda";
        if (Threads < 0) yield return "Worker:Threads must be 0 (torch's default) or more";
        if (InferencePrecisions.Resolve(Precision, onCpu: true) is null) yield return "Worker:Precision must be auto, float32 or bfloat16";
        if (string.IsNullOrWhiteSpace(QueueName)) yield return "Worker:QueueName must not be empty";
        if (HeartbeatPeriod <= TimeSpan.Zero) yield return "Worker:HeartbeatPeriod must be positive";
        if (RetryLimit < 0) yield return "Worker:RetryLimit must be 0 or more";
        if (HoldAfterStoredResults < 0) yield return "Worker:HoldAfterStoredResults must be 0 (off) or more";
    }
}
