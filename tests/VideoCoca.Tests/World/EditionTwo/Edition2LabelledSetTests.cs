using System.Text.Json;
using VideoCoca.Configuration;
using VideoCoca.Media;
using VideoCoca.World;
using VideoCoca.World.EditionTwo;

namespace VideoCoca.Tests.World.EditionTwo;

/// <summary>A second-edition set as the generator writes it and the loader reads it back; files the loader refuses, and how it tells the editions apart.</summary>
public sealed class Edition2LabelledSetTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("vcp-world2-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static readonly ClipGeometry Small = new(128, 96, 2);

    private const string ExampleLine = """{"file": "clip000.mp4", "caption": "a small red circle moves left and a large blue square stays still", "objects": [{"shape": "circle", "color": "red", "size": "small", "motion": "left"}, {"shape": "square", "color": "blue", "size": "large", "motion": "still"}], "actions": ["moving left", "staying still"], "qa": [{"question": "how many shapes are there?", "answer": "two"}, {"question": "what color is the circle?", "answer": "red"}, {"question": "which way is the blue square moving?", "answer": "nowhere"}], "background": "black", "width": 320, "height": 240, "seconds": 4}""";

    private void WriteLabels(params string[] lines) => File.WriteAllLines(Path.Combine(_folder, LabelledSet.LabelsFile), lines);

    private void WriteQueries(params string[] lines) => File.WriteAllLines(Path.Combine(_folder, Edition2LabelledSet.QueriesFile), lines);

    [Fact]
    public async Task A_generated_set_round_trips_through_the_loader()
    {
        Assert.Equal(3, await Edition2SetGenerator.GenerateAsync(_folder, new WorldSetOptions(3, 5, 1, Small), Edition2Draw.Training));
        Assert.Equal(2, LabelledSet.EditionOf(_folder));
        var set = Edition2LabelledSet.Load(_folder);
        Assert.Equal(["clip000.mp4", "clip001.mp4", "clip002.mp4"], set.Labels.Select(l => l.File));
        foreach (var label in set.Labels)
        {
            Assert.Equal(string.Join(" and ", label.Objects.Select(o => Edition2Vocabulary.Phrase(o.Shape, o.Color, o.Size, o.Motion))), label.Caption);
            Assert.Equal(label.Scene.Actions, label.Actions);
            Assert.Equal(label.Scene.Questions.Select(q => (q.Question, q.Answer)), label.Qa.Select(q => (q.Question, q.Answer)));
            Assert.Equal((128, 96, 2.0), (label.Width, label.Height, label.Seconds));
            Assert.False(label.Scene.HasWithheldCombination, label.Caption);
            var video = await VideoFrameReader.ReadAsync(set.PathOf(label), 128, 96, ResizeMode.Stretch);
            Assert.Equal(50, video.FrameCount);
        }
        // The spec's layout: its keys, and no form beside each question.
        using (var first = JsonDocument.Parse(File.ReadLines(Path.Combine(_folder, LabelledSet.LabelsFile)).First()))
        {
            Assert.Equal(["file", "caption", "objects", "actions", "qa", "background", "width", "height", "seconds"],
                first.RootElement.EnumerateObject().Select(p => p.Name));
            Assert.Equal(["question", "answer"], first.RootElement.GetProperty("qa")[0].EnumerateObject().Select(p => p.Name));
        }
        Assert.NotNull(set.Queries);
        var expected = Edition2QueryLabel.Matching(set.Labels);
        Assert.Equal(expected.Select(q => (q.Query, string.Join(",", q.Files))), set.Queries.Select(q => (q.Query, string.Join(",", q.Files))));
        Assert.Contains(set.Queries, q => q.Query is "one shape" or "two shapes");
        Assert.All(set.Queries, q => Assert.All(q.Files, f => Assert.True(
            Edition2Vocabulary.Queries.Single(v => v.Text == q.Query).Matches(set.Labels.Single(l => l.File == f).Scene), $"{f} does not match '{q.Query}'")));
    }

    [Fact]
    public async Task A_withheld_set_shows_a_withheld_combination_in_every_clip()
    {
        await Edition2SetGenerator.GenerateAsync(_folder, new WorldSetOptions(3, 9, 1, Small), Edition2Draw.Withheld);
        Assert.All(Edition2LabelledSet.Load(_folder).Labels, l => Assert.True(l.Scene.HasWithheldCombination, l.Caption));
    }

    [Fact]
    public void The_specs_example_line_loads_and_a_set_without_queries_searches_the_worlds_queries_it_matches()
    {
        WriteLabels(ExampleLine);
        Assert.Equal(2, LabelledSet.EditionOf(_folder));
        var set = Edition2LabelledSet.Load(_folder);
        var label = Assert.Single(set.Labels);
        Assert.Equal("a small red circle moves left and a large blue square stays still", label.Caption);
        Assert.Equal(("circle", "red", "small", "left"), (label.Objects[0].Shape, label.Objects[0].Color, label.Objects[0].Size, label.Objects[0].Motion));
        Assert.Equal(3, label.Qa.Count);
        Assert.Null(set.Queries);
        Assert.Contains(set.SearchQueries, q => q.Query == "a small red circle" && q.Files.SequenceEqual(["clip000.mp4"]));
        Assert.DoesNotContain(set.SearchQueries, q => q.Query == "one shape");
    }

    [Fact]
    public void A_first_edition_set_is_told_apart_and_loads_as_before()
    {
        WriteLabels("""{"file": "a.mp4", "caption": "a small red square moves left", "color": "red", "size": "small", "motion": "left", "action": "moving left"}""");
        Assert.Equal(1, LabelledSet.EditionOf(_folder));
        Assert.Equal("moving left", Assert.Single(LabelledSet.Load(_folder).Labels).Action);
        WriteLabels("""{"file": "a.mp4", "caption": "a small red square moves left"}""");
        Assert.EndsWith("labels.jsonl:1: needs file, caption, color, size, motion and action", Assert.Throws<UserInputException>(() => LabelledSet.Load(_folder)).Message);
        // What the loaders cannot read counts as the first edition's, whose loader then says what is wrong.
        WriteLabels("not json");
        Assert.Equal(1, LabelledSet.EditionOf(_folder));
        Assert.Equal(1, LabelledSet.EditionOf(Path.Combine(_folder, "absent")));
    }

    private string LoadError() => Assert.Throws<UserInputException>(() => Edition2LabelledSet.Load(_folder)).Message;

    [Fact]
    public void A_malformed_line_is_refused_with_its_file_and_line()
    {
        WriteLabels(ExampleLine, "{\"file\": \"clip001.mp4\", ");
        var message = LoadError();
        Assert.Contains("labels.jsonl:2: not a JSON object", message);
    }

    [Theory]
    [InlineData("\"qa\"", "\"no_qa\"")]
    [InlineData("\"objects\"", "\"things\"")]
    [InlineData("\"actions\"", "\"verbs\"")]
    [InlineData("\"motion\": \"left\"", "\"speed\": \"left\"")]
    [InlineData("\"answer\": \"red\"", "\"reply\": \"red\"")]
    public void A_line_missing_a_field_is_refused_with_what_a_line_needs(string field, string renamed)
    {
        WriteLabels(ExampleLine, ExampleLine.Replace(field, renamed, StringComparison.Ordinal));
        var message = LoadError();
        Assert.Contains("labels.jsonl:2: needs file, caption, objects", message);
    }

    [Fact]
    public void A_line_of_three_objects_is_refused()
    {
        WriteLabels(ExampleLine.Replace("\"objects\": [", "\"objects\": [{\"shape\": \"circle\", \"color\": \"green\", \"size\": \"small\", \"motion\": \"up\"}, ", StringComparison.Ordinal));
        Assert.Contains("labels.jsonl:1: a clip of this world has one or two objects, not 3", LoadError());
    }

    [Fact]
    public void An_empty_labels_file_is_refused()
    {
        WriteLabels("", "  ");
        Assert.EndsWith("labels.jsonl has no labels", LoadError());
    }

    [Fact]
    public void Queries_naming_a_file_outside_the_set_or_none_at_all_are_refused()
    {
        WriteLabels(ExampleLine);
        WriteQueries("""{"query": "a red circle", "files": ["clip000.mp4"]}""", """{"query": "a blue square", "files": ["clip017.mp4"]}""");
        Assert.Contains("queries.jsonl:2: clip017.mp4 is not a file of labels.jsonl", LoadError());
        WriteQueries("""{"query": "a red circle"}""");
        Assert.Contains("queries.jsonl:1: needs query and files", LoadError());
        WriteQueries("");
        Assert.EndsWith("queries.jsonl has no queries", LoadError());
        WriteQueries("""{"query": "a red circle", "files": ["clip000.mp4"]}""");
        Assert.Equal(["a red circle"], Edition2LabelledSet.Load(_folder).Queries!.Select(q => q.Query));
    }

    [Theory]
    [InlineData(126, 96, "at least 128x96")]
    [InlineData(128, 94, "at least 128x96")]
    [InlineData(96, 200, "too narrow for two objects")]
    public void Frames_too_small_for_the_second_edition_are_refused(int width, int height, string expected)
    {
        var error = Assert.Throws<UserInputException>(() => Edition2SetGenerator.Validate(new WorldSetOptions(1, 1, 1, new ClipGeometry(width, height, 4))));
        Assert.Contains(expected, error.Message);
    }
}
