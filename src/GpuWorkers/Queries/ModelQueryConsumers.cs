using MassTransit;
using Microsoft.Extensions.Logging;
using VideoCoca.Contracts.Queries;
using VideoCoca.GpuWorkers.Model;
using static TorchSharp.torch;

namespace VideoCoca.GpuWorkers.Queries;

/// <summary>
/// Embeds texts with the text tower (search queries, label prompts). It does not take <see cref="ModelRuntime.Gate"/>:
/// the text tower is a separate set of weights that nothing writes in eval mode, under no_grad (thread-local in
/// libtorch) a forward pass keeps no state, and each call's tensors live in its own thread's dispose scope; so a
/// query runs beside a clip batch's forward pass instead of waiting seconds behind it for a pass that takes milliseconds.
/// </summary>
[ExcludeFromConfigureEndpoints]
public sealed class EmbedTextsConsumer(ModelRuntime runtime) : IConsumer<EmbedTexts>
{
    public async Task Consume(ConsumeContext<EmbedTexts> context)
    {
        var request = context.Message;
        ModelQueryChecks.EnsureVersion(runtime, request.ModelVersion);
        var vectors = new List<float[]>(request.Texts.Count);
        if (request.Texts.Count > 0)
        {
            using var scope = NewDisposeScope();
            var embeddings = runtime.Predictor.EmbedTexts(request.Texts).cpu();
            var dimension = (int)embeddings.shape[1];
            var values = embeddings.data<float>().ToArray();
            for (var i = 0; i < request.Texts.Count; i++)
            {
                vectors.Add(values.AsSpan(i * dimension, dimension).ToArray());
            }
        }
        await context.RespondAsync(new TextEmbeddings(runtime.VersionName, vectors, runtime.Predictor.LogitScale));
    }
}

/// <summary>
/// Embeds the prompts of labels asked for after upload (<see cref="Inference.VideoCocaPredictor.EmbedLabels"/>): a
/// known action's prompts come from the embeddings made at start-up, any other label's text from the text tower. Like
/// <see cref="EmbedTextsConsumer"/> it does not take <see cref="ModelRuntime.Gate"/>, for the same reasons.
/// </summary>
[ExcludeFromConfigureEndpoints]
public sealed class EmbedLabelsConsumer(ModelRuntime runtime) : IConsumer<EmbedLabels>
{
    public async Task Consume(ConsumeContext<EmbedLabels> context)
    {
        var request = context.Message;
        ModelQueryChecks.EnsureVersion(runtime, request.ModelVersion);
        var embedded = runtime.Predictor.EmbedLabels(request.Labels);
        await context.RespondAsync(new LabelPrompts(runtime.VersionName,
            embedded.Select(l => new LabelPromptVectors(l.Label, l.Vectors, l.StatedAs)).ToList(), runtime.Predictor.LogitScale));
    }
}

/// <summary>
/// Answers one question about each clip of a request with the decoder's question-conditioned generation, as at upload.
/// It takes <see cref="ModelRuntime.Gate"/> (the decoder's generation is the heavy part of a clip batch, and its step
/// weights are shared), but its messages are on the version's query queue, so they never wait behind queued clips:
/// at most behind the one batch already running.
/// </summary>
[ExcludeFromConfigureEndpoints]
public sealed class AnswerQuestionConsumer(ModelRuntime runtime, QueryClipsReader reader, ILogger<AnswerQuestionConsumer> logger) : IConsumer<AnswerQuestion>
{
    public async Task Consume(ConsumeContext<AnswerQuestion> context)
    {
        var request = context.Message;
        ModelQueryChecks.EnsureVersion(runtime, request.ModelVersion);
        var question = request.Question.Trim();
        var read = await reader.ReadAsync(request.Clips, context.CancellationToken);
        var readable = Enumerable.Range(0, read.Count).Where(i => read[i].Pixels is not null).ToList();
        var answers = new string?[read.Count];
        if (readable.Count > 0)
        {
            using (await runtime.Gate.EnterAsync(cancellationToken: context.CancellationToken))
            {
                var generated = await runtime.Thread.RunAsync(() =>
                {
                    using var scope = NewDisposeScope();
                    return runtime.Predictor.Answer(reader.Batch(readable.Select(i => read[i].Pixels!).ToList()), question);
                });
                for (var k = 0; k < readable.Count; k++) answers[readable[k]] = generated[k];
            }
        }
        logger.LogInformation("Answered \"{Question}\" for {Answered} of {Clips} clips", question, readable.Count, read.Count);
        await context.RespondAsync(new QuestionAnswers(runtime.VersionName,
            request.Clips.Select((c, i) => new ClipAnswerText(c.ClipId, answers[i], read[i].Error)).ToList()));
    }
}

/// <summary>
/// Scores a text as each clip's caption (search's re-ranking): the decoder under teacher forcing, so it takes
/// <see cref="ModelRuntime.Gate"/> like an answer, on the query queue like an answer.
/// </summary>
[ExcludeFromConfigureEndpoints]
public sealed class ScoreTextConsumer(ModelRuntime runtime, QueryClipsReader reader) : IConsumer<ScoreText>
{
    public async Task Consume(ConsumeContext<ScoreText> context)
    {
        var request = context.Message;
        ModelQueryChecks.EnsureVersion(runtime, request.ModelVersion);
        var read = await reader.ReadAsync(request.Clips, context.CancellationToken);
        var readable = Enumerable.Range(0, read.Count).Where(i => read[i].Pixels is not null).ToList();
        var scores = new double?[read.Count];
        if (readable.Count > 0)
        {
            using (await runtime.Gate.EnterAsync(cancellationToken: context.CancellationToken))
            {
                var scored = await runtime.Thread.RunAsync(() =>
                {
                    using var scope = NewDisposeScope();
                    return runtime.Predictor.ScoreCaption(reader.Batch(readable.Select(i => read[i].Pixels!).ToList()), request.Text);
                });
                for (var k = 0; k < readable.Count; k++) scores[readable[k]] = scored[k];
            }
        }
        await context.RespondAsync(new TextScores(runtime.VersionName, scores));
    }
}

internal static class ModelQueryChecks
{
    /// <summary>The queue is the version's own, so another version's request is a routing mistake: it faults back to the asker.</summary>
    public static void EnsureVersion(ModelRuntime runtime, string asked)
    {
        if (!string.Equals(asked, runtime.VersionName, StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"this worker runs model version {runtime.VersionName}, not {asked}");
        }
    }
}
