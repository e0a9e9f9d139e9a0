using System.Text.Json;

namespace VideoCoca.World;

/// <summary>Reads a labelled set's JSON-lines files (a JSON object a line), refusing what a reader cannot use with the file and line.</summary>
public static class JsonLines
{
    /// <param name="path">the file, which must exist</param>
    /// <param name="problem">what is wrong with a parsed line for its reader (a missing field, say), or null when nothing is; a line of "null" parses to null</param>
    /// <param name="what">what the lines hold, for an empty file: "labels"</param>
    public static List<T> Read<T>(string path, Func<T?, string?> problem, string what) where T : class
    {
        var items = new List<T>();
        var lineNumber = 0;
        foreach (var line in File.ReadLines(path))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            T? item;
            try { item = JsonSerializer.Deserialize<T>(line); }
            catch (JsonException e) { throw new UserInputException($"{path}:{lineNumber}: not a JSON object ({e.Message})"); }
            if (problem(item) is { } wrong) throw new UserInputException($"{path}:{lineNumber}: {wrong}");
            items.Add(item!);
        }
        if (items.Count == 0) throw new UserInputException($"{path} has no {what}");
        return items;
    }
}
