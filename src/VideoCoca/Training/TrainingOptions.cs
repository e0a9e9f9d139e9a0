using System.Text.Json.Serialization;

namespace VideoCoca.Training;

/// <summary>Which parameters learn while a model is adapted to video (the VideoCoCa paper's tuning modes).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<TuningMode>))]
public enum TuningMode
{
    /// <summary>Everything learns.</summary>
    [JsonStringEnumMemberName("full")] Full,
    /// <summary>Only the attentional poolers (and the temporal embedding, which is part of what they read) learn.</summary>
    [JsonStringEnumMemberName("frozen")] Frozen,
    /// <summary>Locked-image tuning: the image encoder holds still, poolers and text decoders learn.</summary>
    [JsonStringEnumMemberName("lit")] Lit,
}

/// <summary>Stage one pre-trains image CoCa on single frames; stage two adapts it to clips.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<TrainingStage>))]
public enum TrainingStage
{
    [JsonStringEnumMemberName("image")] Image,
    [JsonStringEnumMemberName("video")] Video,
}

public sealed record TrainingOptions
{
    public TrainingStage Stage { get; init; } = TrainingStage.Video;
    public TuningMode Tuning { get; init; } = TuningMode.Full;
    public int Steps { get; init; } = 1000;
    public int BatchSize { get; init; } = 32;
    public double LearningRate { get; init; } = 1e-3;
    public int WarmupSteps { get; init; } = 50;
    /// <summary>The cosine schedule ends at this fraction of the peak learning rate.</summary>
    public double FinalLearningRateFraction { get; init; } = 0.05;
    public double WeightDecay { get; init; } = 0.05;
    public double GradientClipNorm { get; init; } = 1.0;
    public double ContrastiveWeight { get; init; } = 1.0;
    public double CaptionWeight { get; init; } = 2.0;
    /// <summary>Learning rate of parameters that only the video adaptation adds (the temporal embedding), relative to the rest.</summary>
    public double AdaptationLearningRateScale { get; init; } = 10;
    /// <summary>
    /// Video stage: every other clip of a batch is its neighbour played backwards, captioned with the opposite motion.
    /// The pair shows the same frames in another order, so only the order of frames tells their captions apart.
    /// </summary>
    public bool ReversedTwins { get; init; }
    public int Seed { get; init; } = 1;
    /// <summary>The shapes world's edition trained on: 1 (shared/world.md) or 2 (shared/world-v2.md).</summary>
    public int World { get; init; } = 1;
    /// <summary>Second world: question-answer rows per clip in a batch.</summary>
    public int QuestionsPerClip { get; init; } = 2;
    /// <summary>
    /// Second world: the chance that each size, colour or shape word the decoder reads in a caption (and in a one-object
    /// clip's question about its object) is swapped for a random word of its kind, the targets staying the truth
    /// (<see cref="Edition2BatchSampler"/>). 0: the decoder reads the true words.
    /// </summary>
    public double WordNoise { get; init; }
    public int CheckpointEvery { get; init; } = 200;
}
