namespace VideoCoca.Gateway.Search;

/// <summary>The <c>Search</c> configuration section: how deep search looks, and how questions are batched to the workers.</summary>
public sealed class SearchOptions
{
    public const string SectionName = "Search";

    /// <summary>
    /// HNSW candidates kept per search (pgvector's <c>hnsw.ef_search</c>, default 40); raised to the list's depth when
    /// that is deeper. Higher is better recall for more time.
    /// </summary>
    public int EfSearch { get; set; } = 100;

    /// <summary>The shallowest candidate list of each side of a hybrid search (each is at least max(limit x 3, this) deep).</summary>
    public int MinCandidates { get; set; } = 50;

    /// <summary>The most candidates re-scored by the decoder when a search asks for rerank (at most 2 x limit of them).</summary>
    public int MaxRerank { get; set; } = 50;

    /// <summary>Clips per AnswerQuestion request (one forward pass on a worker).</summary>
    public int AnswerBatchSize { get; set; } = 16;

    /// <summary>AnswerQuestion requests of one question in flight at once (several workers share them).</summary>
    public int ParallelAnswerRequests { get; set; } = 2;

    public IEnumerable<string> Validate()
    {
        if (EfSearch is < 1 or > 1000) yield return "Search:EfSearch must be between 1 and 1000 (pgvector's range)";
        if (MinCandidates < 1) yield return "Search:MinCandidates must be at least 1";
        if (MaxRerank < 1) yield return "Search:MaxRerank must be at least 1";
        if (AnswerBatchSize < 1) yield return "Search:AnswerBatchSize must be at least 1";
        if (ParallelAnswerRequests < 1) yield return "Search:ParallelAnswerRequests must be at least 1";
    }
}
