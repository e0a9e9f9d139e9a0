using VideoCoca.World;
using VideoCoca.World.EditionTwo;

namespace VideoCoca.Tests.World.EditionTwo;

/// <summary>Captions, questions, queries and the withheld rule of shared/world-v2.md, on its own examples.</summary>
public sealed class Edition2VocabularyTests
{
    private static Edition2Object Object(string shape, string color, string size, string motion, double x = 0) => new(shape, color, size, motion, x, 0);

    /// <summary>world-v2.md's example: "a small red circle moves left and a large blue square stays still".</summary>
    private static readonly Edition2Scene Example = new("black",
    [
        Object("circle", "red", "small", "left", 150),
        Object("square", "blue", "large", "still", 230),
    ]);

    private static (string, string)[] Pairs(IEnumerable<Edition2Question> questions) => questions.Select(q => (q.Question, q.Answer)).ToArray();

    [Fact]
    public void The_examples_caption_and_actions_are_the_specs()
    {
        Assert.Equal("a small red circle moves left and a large blue square stays still", Example.Caption);
        Assert.Equal(["moving left", "staying still"], Example.Actions);
        Assert.Equal("a large white triangle moves up", new Edition2Scene("gray", [Object("triangle", "white", "large", "up")]).Caption);
    }

    [Fact]
    public void The_examples_questions_include_the_specs_and_every_other_it_allows()
    {
        Assert.Equal(
        [
            ("how many shapes are there?", "two"),
            ("what color is the square?", "blue"),
            ("what color is the circle?", "red"),
            ("what color is the triangle?", "none"),
            ("what shape is the red one?", "circle"),
            ("what shape is the blue one?", "square"),
            ("which way is the red circle moving?", "left"),
            ("which way is the blue square moving?", "nowhere"),
            ("how big is the red circle?", "small"),
            ("how big is the blue square?", "large"),
        ], Pairs(Example.Questions));
        Assert.Equal(["count", "color", "color", "color", "shape", "shape", "motion", "motion", "size", "size"], Example.Questions.Select(q => q.Form));
        Assert.All(Example.Questions, q => Assert.Equal(q.Form, Edition2Vocabulary.FormOf(q.Question)));
    }

    [Fact]
    public void Two_shapes_of_one_kind_get_no_color_question_for_that_kind()
    {
        var scene = new Edition2Scene("black", [Object("circle", "red", "small", "left"), Object("circle", "blue", "large", "down", 100)]);
        var questions = Pairs(scene.Questions);
        Assert.DoesNotContain(questions, q => q.Item1 == "what color is the circle?");
        Assert.Contains(("what color is the square?", "none"), questions);
        Assert.Contains(("what shape is the red one?", "circle"), questions);
        Assert.Contains(("what shape is the blue one?", "circle"), questions);
        Assert.Contains(("which way is the blue circle moving?", "down"), questions);
        Assert.Contains(("how many shapes are there?", "two"), questions);
    }

    [Fact]
    public void A_shared_color_gets_no_shape_question_for_that_color()
    {
        var scene = new Edition2Scene("gray", [Object("circle", "red", "small", "still"), Object("triangle", "red", "large", "right", 100)]);
        var questions = Pairs(scene.Questions);
        Assert.DoesNotContain(questions, q => q.Item1 == "what shape is the red one?");
        Assert.Contains(("what color is the circle?", "red"), questions);
        Assert.Contains(("what color is the triangle?", "red"), questions);
        Assert.Contains(("which way is the red circle moving?", "nowhere"), questions);
        Assert.Contains(("how big is the red triangle?", "large"), questions);
    }

    [Fact]
    public void The_example_matches_the_queries_that_name_part_of_it_and_no_other()
    {
        var matching = Edition2Vocabulary.Queries.Where(q => q.Matches(Example)).Select(q => q.Text).Order(StringComparer.Ordinal);
        Assert.Equal(
        [
            "a blue square", "a circle moving left", "a large blue square", "a red circle", "a small red circle",
            "a square staying still", "two shapes",
        ], matching);
        var single = new Edition2Scene("black", [Object("triangle", "green", "large", "up")]);
        Assert.Contains("one shape", Edition2Vocabulary.Queries.Where(q => q.Matches(single)).Select(q => q.Text));
        // Every attribute a query names must belong to one object: the red circle is not large, the blue square not small.
        Assert.DoesNotContain(Edition2Vocabulary.Queries.Where(q => q.Matches(Example)), q => q.Text is "a large red circle" or "a small blue square" or "a red square");
    }

    [Theory]
    [InlineData("triangle", "green", "small", "still", "black", true)]
    [InlineData("triangle", "green", "large", "left", "gray", true)]
    [InlineData("circle", "blue", "small", "up", "black", true)]
    [InlineData("circle", "blue", "small", "down", "black", false)]
    [InlineData("square", "blue", "small", "up", "black", false)]
    [InlineData("circle", "white", "large", "still", "gray", true)]
    [InlineData("circle", "white", "large", "still", "black", false)]
    [InlineData("circle", "white", "small", "still", "gray", false)]
    [InlineData("triangle", "white", "large", "still", "gray", false)]
    public void Withheld_combinations_are_exactly_the_three_the_spec_names(string shape, string color, string size, string motion, string background, bool withheld)
    {
        Assert.Equal(withheld, Edition2Vocabulary.IsWithheld(Object(shape, color, size, motion), background));
    }

    [Fact]
    public void A_tokenizer_of_all_texts_knows_every_word_of_captions_questions_answers_and_queries()
    {
        var tokenizer = VideoCoca.Tokenization.WordTokenizer.FromTexts(Edition2Vocabulary.AllTexts());
        var texts = new[] { Example.Caption }.Concat(Example.Questions.SelectMany(q => new[] { q.Question, q.Answer }))
            .Concat(Edition2Vocabulary.Queries.Select(q => q.Text)).Concat(Edition2Vocabulary.Shapes);
        Assert.All(texts, t => Assert.DoesNotContain(tokenizer.UnknownId, tokenizer.EncodeWords(t)));
    }
}
