using VideoCoca.Contracts.Queries;
using VideoCoca.Inference;

namespace VideoCoca.Tests.Inference;

public class StatedLabelsTests
{
    private static readonly IReadOnlyList<ActionLabel> Actions = LabelSet.SecondWorld().Actions;

    [Fact]
    public void The_actions_a_caption_states_rank_first_even_where_the_contrast_ranked_one_of_them_low()
    {
        // moving left, moving right, moving up, moving down, staying still
        float[] contrastive = [0.55f, 0.25f, 0.12f, 0.02f, 0.06f];
        var confidences = StatedLabels.Confidences(Actions, contrastive, "a small red circle moves left and a large blue square stays still");
        var ranked = Enumerable.Range(0, Actions.Count).OrderByDescending(i => confidences[i]).Select(i => Actions[i].Label).ToList();
        Assert.Equal(["moving left", "staying still"], ranked.Take(2));
        Assert.Equal(1.0, confidences.Sum(), 5);
        Assert.Equal(0.5 * 0.25, confidences[1], 5);
    }

    [Fact]
    public void A_caption_that_states_no_action_leaves_the_contrastive_confidences()
    {
        float[] contrastive = [0.1f, 0.2f, 0.3f, 0.25f, 0.15f];
        Assert.Equal(contrastive, StatedLabels.Confidences(Actions, contrastive, "a small red circle"));
        // "moves" alone, or the words out of order, state nothing.
        Assert.Equal(contrastive, StatedLabels.Confidences(Actions, contrastive, "left moves a circle"));
    }

    [Theory]
    [InlineData("a small red circle moves left and a large blue square stays still")]
    [InlineData("a large white triangle moves down")]
    [InlineData("a large white triangle  MOVES   down")]
    [InlineData("a small red circle")]
    public void The_gateway_grounds_labels_asked_after_upload_as_the_worker_grounds_them_at_upload(string caption)
    {
        float[] contrastive = [0.3f, 0.1f, 0.2f, 0.15f, 0.25f];
        var worker = StatedLabels.Confidences(Actions, contrastive, caption);
        var gateway = ZeroShot.CaptionGrounded(contrastive.Select(c => (double)c).ToList(), Actions.Select(a => a.StatedAs).ToList(), caption);
        Assert.Equal(worker.Select(c => (double)c), gateway, (a, b) => Math.Abs(a - b) < 1e-6);
    }

    [Fact]
    public void The_second_worlds_labels_are_stated_as_its_captions_say_them_and_the_first_worlds_are_not_grounded()
    {
        Assert.Equal(["moves left", "moves right", "moves up", "moves down", "stays still"], Actions.Select(a => a.StatedAs!.Single()));
        Assert.False(StatedLabels.Apply(LabelSet.World().Actions));
        Assert.Equal(LabelSet.SecondWorld(), LabelSet.FromJson(LabelSet.SecondWorld().ToJson()), new LabelSetComparer());
    }

    private sealed class LabelSetComparer : IEqualityComparer<LabelSet>
    {
        public bool Equals(LabelSet? x, LabelSet? y) =>
            x!.Actions.Zip(y!.Actions).All(p => p.First.Label == p.Second.Label && p.First.Prompts.SequenceEqual(p.Second.Prompts) && p.First.StatedAs!.SequenceEqual(p.Second.StatedAs!))
            && x.Questions.SequenceEqual(y.Questions) && x.WorldEdition == y.WorldEdition;

        public int GetHashCode(LabelSet obj) => 0;
    }
}
