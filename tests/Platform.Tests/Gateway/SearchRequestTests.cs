using VideoCoca.Contracts.Queries;
using VideoCoca.Gateway.Search;

namespace VideoCoca.Platform.Tests.Gateway;

/// <summary>The gateway's search parameters, fusion and zero-shot softmax, without a server.</summary>
public sealed class SearchRequestTests
{
    [Fact]
    public void A_search_with_only_a_query_is_hybrid_of_twenty_without_rerank()
    {
        var (search, field, _) = new SearchParameters { Query = "  red square " }.Parse();
        Assert.Null(field);
        Assert.Equal(("red square", SearchMode.Hybrid, 20, false, 0), (search!.Query, search.Mode, search.Limit, search.Rerank, search.Filters.VideoIds.Count));
    }

    [Theory]
    [InlineData(null, null, null, null, null, null, "q")]
    [InlineData("x", "Fuzzy", null, null, null, null, "mode")]
    [InlineData("x", "1", null, null, null, null, "mode")]
    [InlineData("x", null, "0", null, null, null, "limit")]
    [InlineData("x", null, "+5", null, null, null, "limit")]
    [InlineData("x", null, null, "0.5", null, null, "min_confidence")]
    [InlineData("x", null, null, null, "2020-13-01", null, "uploaded_after")]
    [InlineData("x", null, null, null, "2021-01-01", "2020-01-01", "uploaded_before")]
    public void A_bad_value_names_its_field(string? q, string? mode, string? limit, string? minConfidence, string? after, string? before, string expected)
    {
        var (search, field, error) = new SearchParameters
        {
            Query = q, Mode = mode, Limit = limit, MinConfidence = minConfidence, UploadedAfter = after, UploadedBefore = before,
        }.Parse();
        Assert.Null(search);
        Assert.Equal(expected, field);
        Assert.Contains(expected, error);
    }

    [Fact]
    public void Filters_and_mode_are_read_case_blind_and_times_default_to_utc()
    {
        var id = Guid.NewGuid();
        var (search, _, _) = new SearchParameters
        {
            Query = "q", Mode = "TEXT", VideoIds = [id.ToString()], Label = " moving left ", MinConfidence = "0.25",
            UploadedAfter = "2026-11-30T10:00:00", Limit = "100", Rerank = "True",
        }.Parse();
        Assert.Equal(SearchMode.Text, search!.Mode);
        Assert.Equal([id], search.Filters.VideoIds);
        Assert.Equal(("moving left", 0.25), (search.Filters.Label, search.Filters.MinConfidence));
        Assert.Equal(TimeSpan.Zero, search.Filters.UploadedAfter!.Value.Offset);
        Assert.True(search.Rerank);
    }

    [Fact]
    public void Fusion_puts_clips_high_in_both_lists_above_clips_first_in_one()
    {
        Guid a = Guid.NewGuid(), b = Guid.NewGuid(), c = Guid.NewGuid();
        var semantic = new List<Candidate> { new(c, 0.9), new(a, 0.8), new(b, 0.7) };
        var text = new List<Candidate> { new(a, 3), new(b, 2) };
        var fused = ClipSearch.Fuse([semantic, text]);
        Assert.Equal([a, b, c], fused.Select(f => f.ClipId));
        Assert.Equal(1.0 / 62 + 1.0 / 61, fused[0].Score, 12);
        Assert.Equal(1.0 / 61, fused[2].Score, 12);
    }

    [Fact]
    public void Zero_shot_confidences_are_a_softmax_of_the_scaled_cosines()
    {
        var confidences = ZeroShot.Softmax([0.5, 0.4, -0.1], 100);
        Assert.Equal(1.0, confidences.Sum(), 12);
        Assert.Equal(1 / (1 + Math.Exp(-10) + Math.Exp(-60)), confidences[0], 12);
    }

    [Fact]
    public void A_labels_confidence_is_its_prompts_mass_under_one_softmax_over_every_prompt()
    {
        // Label 0 has two prompts, label 1 one: the softmax runs over all three, and label 0 takes both shares.
        var confidences = ZeroShot.PromptEnsembles([[0.5, 0.4], [0.45]], 100);
        var prompts = ZeroShot.Softmax([0.5, 0.4, 0.45], 100);
        Assert.Equal(prompts[0] + prompts[1], confidences[0], 12);
        Assert.Equal(prompts[2], confidences[1], 12);
        // Not a softmax over each label's best or mean cosine: that would give label 1 (mean 0.45 = 0.45) half.
        Assert.NotEqual(0.5, confidences[1], 3);
        Assert.Throws<ArgumentException>(() => ZeroShot.PromptEnsembles([[0.5], []], 100));
    }

    [Fact]
    public void A_vector_is_sent_in_pgvectors_text_form()
    {
        Assert.Equal("[0.5,-1,3.25E-05]", ClipSearch.VectorText([0.5f, -1f, 3.25e-5f]));
    }
}
