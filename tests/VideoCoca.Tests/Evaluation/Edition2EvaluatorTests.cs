using static TorchSharp.torch;
using VideoCoca.Evaluation;
using VideoCoca.Inference;
using VideoCoca.World.EditionTwo;

namespace VideoCoca.Tests.Evaluation;

/// <summary>The second edition's figures, scored from hand-made predictions: no model involved.</summary>
public sealed class Edition2EvaluatorTests
{
    private static Edition2Label Label(string file, Edition2Scene scene) => Edition2Label.Of(file, scene, VideoCoca.World.ClipGeometry.Reference);

    private static Edition2Object Object(string shape, string color, string size, string motion) => new(shape, color, size, motion, 0, 0);

    private static readonly Edition2Label Pair = Label("a.mp4", new("black", [Object("circle", "red", "small", "left"), Object("square", "blue", "large", "still")]));
    private static readonly Edition2Label Circle = Label("b.mp4", new("gray", [Object("circle", "green", "large", "up")]));
    private static readonly Edition2Label Triangle = Label("c.mp4", new("black", [Object("triangle", "red", "small", "still")]));

    private static LabelScore[] Scores(params (string Label, float Confidence)[] scores) => scores.Select(s => new LabelScore(s.Label, s.Confidence)).ToArray();

    [Fact]
    public void Action_sets_are_exact_when_the_k_most_confident_labels_are_the_clips_k_actions()
    {
        using var testScope = NewDisposeScope();
        string[] two = ["moving left", "staying still"];
        Assert.True(Edition2Evaluator.ActionSetExact(two, Scores(("staying still", 0.5f), ("moving left", 0.4f), ("moving up", 0.1f))));
        // Scores in any order: the most confident are taken, not the first listed.
        Assert.True(Edition2Evaluator.ActionSetExact(two, Scores(("moving up", 0.1f), ("moving left", 0.4f), ("staying still", 0.5f))));
        Assert.False(Edition2Evaluator.ActionSetExact(two, Scores(("staying still", 0.5f), ("moving up", 0.3f), ("moving left", 0.2f))));
        Assert.True(Edition2Evaluator.ActionSetExact(["moving up"], Scores(("moving left", 0.2f), ("moving up", 0.7f))));
        // One action, and the model's second label is the right one: not exact.
        Assert.False(Edition2Evaluator.ActionSetExact(["moving up"], Scores(("moving left", 0.6f), ("moving up", 0.3f))));
        Assert.False(Edition2Evaluator.ActionSetExact(two, Scores(("moving left", 0.9f))));
    }

    private static IReadOnlyList<QuestionAnswer> Answers(params (string Question, string Answer)[] answers) =>
        answers.Select(a => new QuestionAnswer(a.Question, a.Answer)).ToList();

    [Fact]
    public void Qa_accuracy_is_by_form_over_each_clips_own_questions()
    {
        using var testScope = NewDisposeScope();
        IReadOnlyList<Edition2Question> asked =
        [
            new("how many shapes are there?", "two"), new("what color is the circle?", "red"),
            new("what color is the triangle?", "none"), new("which way is the blue square moving?", "nowhere"),
        ];
        var accuracy = Edition2Evaluator.QaAccuracy(
        [
            (asked, Answers(("how many shapes are there?", "two"), ("what color is the circle?", "blue"), ("what color is the triangle?", "none"),
                ("which way is the blue square moving?", "nowhere"),
                // Asked of the batch for another clip: not this clip's question, so not scored.
                ("what shape is the green one?", "banana"))),
            ([new("how many shapes are there?", "one")], Answers(("how many shapes are there?", "two"))),
        ]);
        Assert.Equal(["count", "color", "motion", "overall"], accuracy.Keys);
        Assert.Equal(0.5, accuracy["count"]);
        Assert.Equal(0.5, accuracy["color"]);
        Assert.Equal(1.0, accuracy["motion"]);
        Assert.Equal(3 / 5.0, accuracy["overall"]);
    }

    [Fact]
    public void A_question_the_model_was_not_asked_counts_as_wrong()
    {
        using var testScope = NewDisposeScope();
        var accuracy = Edition2Evaluator.QaAccuracy([([new("how big is the red circle?", "small")], Answers())]);
        Assert.Equal(0.0, accuracy["size"]);
    }

    [Fact]
    public void Precision_at_10_is_out_of_the_relevant_clips_when_fewer_than_10_exist()
    {
        using var testScope = NewDisposeScope();
        var scores = Enumerable.Range(0, 20).Select(i => (float)(20 - i)).ToArray();
        bool[] Relevant(params int[] clips) => Enumerable.Range(0, 20).Select(clips.Contains).ToArray();
        Assert.Equal(1.0, RetrievalMetrics.PrecisionAtDepth(scores, Relevant(0, 1, 2)));
        Assert.Equal(2 / 3.0, RetrievalMetrics.PrecisionAtDepth(scores, Relevant(0, 1, 15)));
        Assert.Equal(0.5, RetrievalMetrics.PrecisionAtDepth(scores, Relevant(0, 2, 4, 6, 8, 10, 12, 14, 16, 18)));
        Assert.Equal(1.0, RetrievalMetrics.PrecisionAtDepth(scores, Relevant(Enumerable.Range(0, 15).ToArray())));
        Assert.Null(RetrievalMetrics.PrecisionAtDepth(scores, Relevant()));
    }

    [Fact]
    public void Text_to_video_r1_asks_whether_the_nearest_clip_carries_the_caption()
    {
        using var testScope = NewDisposeScope();
        float[][] similarity = [[0.9f, 0.1f, 0.2f], [0.3f, 0.2f, 0.8f]];
        Assert.Equal(1.0, RetrievalMetrics.TextToVideoR1(["x", "y"], similarity, ["x", "z", "y"]));
        Assert.Equal(0.5, RetrievalMetrics.TextToVideoR1(["x", "y"], similarity, ["x", "y", "z"]));
    }

    /// <summary>Similarities from a table: text, then each clip's score in clip order.</summary>
    private static Func<IReadOnlyList<string>, float[][]> Similarity(Dictionary<string, float[]> table) =>
        texts => texts.Select(t => table[t]).ToArray();

    [Fact]
    public void Score_combines_captions_actions_answers_retrieval_and_search_on_a_hand_made_set()
    {
        using var testScope = NewDisposeScope();
        var predictions = new (Edition2Label, ClipPrediction)[]
        {
            // Right caption and actions; two of its questions answered wrong.
            (Pair, new ClipPrediction(Pair.Caption, Scores(("moving left", 0.5f), ("staying still", 0.4f), ("moving up", 0.1f)),
                Pair.Qa.Select((q, i) => new QuestionAnswer(q.Question, i is 1 or 2 ? "wrong" : q.Answer)).ToList(), [])),
            // Wrong caption, wrong action; every answer right.
            (Circle, new ClipPrediction("a large green circle moves down", Scores(("moving down", 0.8f), ("moving up", 0.2f)),
                Circle.Qa.Select(q => new QuestionAnswer(q.Question, q.Answer)).ToList(), [])),
            (Triangle, new ClipPrediction(Triangle.Caption, Scores(("staying still", 0.9f)), Triangle.Qa.Select(q => new QuestionAnswer(q.Question, q.Answer)).ToList(), [])),
        };
        var table = new Dictionary<string, float[]>
        {
            [Pair.Caption] = [0.9f, 0.1f, 0.3f],
            [Circle.Caption] = [0.2f, 0.5f, 0.6f],
            [Triangle.Caption] = [0.1f, 0.2f, 0.7f],
            // Each query's one clip within the top 10 (of three clips), first or not.
            ["a red circle"] = [0.8f, 0.1f, 0.0f],
            ["a red triangle"] = [0.1f, 0.9f, 0.3f],
            ["a shape nobody drew"] = [0.1f, 0.1f, 0.1f],
        };
        IReadOnlyList<Edition2QueryLabel> queries =
        [
            new("a red circle", ["a.mp4"]),
            new("a red triangle", ["c.mp4"]),
            // Lists only a clip that was not read: left out.
            new("a shape nobody drew", ["d.mp4"]),
        ];

        var report = Edition2Evaluator.Score(predictions, queries, Similarity(table), 12.5, ["d.mp4 is not a video"]);

        Assert.Equal(3, report.Clips);
        Assert.Equal(2 / 3.0, report.CaptionExactMatch, 9);
        Assert.Equal(2 / 3.0, report.ActionSetExact, 9);
        var questions = Pair.Qa.Count + Circle.Qa.Count + Triangle.Qa.Count;
        Assert.Equal((questions - 2) / (double)questions, report.QaAccuracy["overall"], 9);
        Assert.Equal(["count", "color", "shape", "motion", "size", "overall"], report.QaAccuracy.Keys);
        // The pair's answers 1 and 2 are colour questions (the square's and the circle's).
        Assert.Equal(1 - 2 / 9.0, report.QaAccuracy["color"], 9);
        Assert.Equal(1.0, report.QaAccuracy["count"]);
        // The circle's caption is nearest the triangle's clip.
        Assert.Equal(2 / 3.0, report.TextToVideoR1, 9);
        // "a red circle": its clip first; "a red triangle": its clip second, still in the top 10. Each 1 of 1.
        Assert.Equal(1.0, report.SearchPrecisionAt10);
        Assert.Equal(12.5, report.ClipsPerSecond);
        Assert.Equal(["d.mp4 is not a video"], report.Errors);
    }

    [Fact]
    public void Search_precision_is_the_mean_over_queries_of_the_share_of_the_top_10_that_match()
    {
        using var testScope = NewDisposeScope();
        var labels = Enumerable.Range(0, 12).Select(i => Circle with { File = $"{i}.mp4" }).ToList();
        var predictions = labels.Select(l => (l, new ClipPrediction(l.Caption, Scores(("moving up", 1f)), [], []))).ToList();
        // Clip i scores 12 - i for every text: clips 10 and 11 rank last, clip 0 first.
        var ranking = Enumerable.Range(0, 12).Select(i => 12f - i).ToArray();
        var similarity = Similarity(new() { [Circle.Caption] = ranking, ["last two"] = ranking, ["first and last"] = ranking, ["first three"] = ranking });
        IReadOnlyList<Edition2QueryLabel> queries = [new("last two", ["10.mp4", "11.mp4"]), new("first and last", ["0.mp4", "11.mp4"]), new("first three", ["0.mp4", "1.mp4", "2.mp4"])];
        var report = Edition2Evaluator.Score(predictions, queries, similarity, 1, []);
        Assert.Equal((0 + 0.5 + 1) / 3, report.SearchPrecisionAt10!.Value, 9);
    }

    [Fact]
    public void Search_precision_is_null_when_no_query_lists_a_clip_that_was_read()
    {
        using var testScope = NewDisposeScope();
        var predictions = new (Edition2Label, ClipPrediction)[] { (Circle, new ClipPrediction(Circle.Caption, Scores(("moving up", 1f)), [], [])) };
        var report = Edition2Evaluator.Score(predictions, [new("a red circle", ["a.mp4"])], Similarity(new() { [Circle.Caption] = [1f] }), 1, []);
        Assert.Null(report.SearchPrecisionAt10);
        Assert.Equal(1.0, report.TextToVideoR1);
        Assert.Equal(0.0, report.QaAccuracy["overall"]);
    }
}
