using MassTransit;
using Microsoft.Extensions.Options;
using VideoCoca.Contracts.Queries;
using VideoCoca.Gateway.Hosting;

namespace VideoCoca.Gateway.Models;

/// <summary>No worker of the version answered in time (none running, or all of them busy past the timeout).</summary>
public sealed class ModelUnavailableException(string modelVersion, TimeSpan timeout, Exception? inner = null)
    : Exception($"no worker running model version {modelVersion} answered within {timeout.TotalSeconds:0.#} s", inner)
{
    public string ModelVersion { get; } = modelVersion;
}

/// <summary>The model's answers that reads need, from the workers of a version (where the model lives).</summary>
public interface IModelQueries
{
    Task<TextEmbeddings> EmbedTextsAsync(string modelVersion, IReadOnlyList<string> texts, CancellationToken cancellationToken);

    /// <summary>Each label's prompt embeddings, scored by the rule of the labels stored at upload (<see cref="EmbedLabels"/>).</summary>
    Task<LabelPrompts> EmbedLabelsAsync(string modelVersion, IReadOnlyList<string> labels, CancellationToken cancellationToken);

    Task<QuestionAnswers> AnswerAsync(string modelVersion, string question, IReadOnlyList<QueryClip> clips, CancellationToken cancellationToken);

    Task<TextScores> ScoreAsync(string modelVersion, string text, IReadOnlyList<QueryClip> clips, CancellationToken cancellationToken);
}

/// <summary>
/// MassTransit request/response on the version's own queue (<see cref="ModelQueryQueues"/>). A request not answered
/// within its timeout throws <see cref="ModelUnavailableException"/>; it also expires in the queue then, so a worker
/// that comes up later does not work on requests nobody waits for.
/// </summary>
public sealed class ModelQueryClient(IClientFactory clients, IOptions<GatewayOptions> options) : IModelQueries
{
    public Task<TextEmbeddings> EmbedTextsAsync(string modelVersion, IReadOnlyList<string> texts, CancellationToken cancellationToken) =>
        RequestAsync<EmbedTexts, TextEmbeddings>(modelVersion, new EmbedTexts(modelVersion, texts), options.Value.ModelQueryTimeout, cancellationToken);

    public Task<LabelPrompts> EmbedLabelsAsync(string modelVersion, IReadOnlyList<string> labels, CancellationToken cancellationToken) =>
        RequestAsync<EmbedLabels, LabelPrompts>(modelVersion, new EmbedLabels(modelVersion, labels), options.Value.ModelQueryTimeout, cancellationToken);

    public Task<QuestionAnswers> AnswerAsync(string modelVersion, string question, IReadOnlyList<QueryClip> clips, CancellationToken cancellationToken) =>
        RequestAsync<AnswerQuestion, QuestionAnswers>(modelVersion, new AnswerQuestion(modelVersion, question, clips), options.Value.GenerationTimeout, cancellationToken);

    public Task<TextScores> ScoreAsync(string modelVersion, string text, IReadOnlyList<QueryClip> clips, CancellationToken cancellationToken) =>
        RequestAsync<ScoreText, TextScores>(modelVersion, new ScoreText(modelVersion, text, clips), options.Value.GenerationTimeout, cancellationToken);

    private async Task<TResponse> RequestAsync<TRequest, TResponse>(string modelVersion, TRequest request, TimeSpan timeout, CancellationToken cancellationToken)
        where TRequest : class
        where TResponse : class
    {
        var client = clients.CreateRequestClient<TRequest>(ModelQueryQueues.AddressFor(modelVersion), RequestTimeout.After(ms: (int)timeout.TotalMilliseconds));
        try
        {
            var response = await client.GetResponse<TResponse>(request, cancellationToken);
            return response.Message;
        }
        catch (RequestTimeoutException e)
        {
            throw new ModelUnavailableException(modelVersion, timeout, e);
        }
    }
}
