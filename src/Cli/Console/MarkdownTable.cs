using Spectre.Console;

namespace VideoCoca.Cli.Console;

/// <summary>Bench results on stdout as Markdown tables, so that they paste into docs/benchmarks.md as printed.</summary>
public static class MarkdownTable
{
    /// <param name="headers">Column titles; a title starting with '&gt;' is a right-aligned (numeric) column.</param>
    /// <param name="rows">Cells, already formatted.</param>
    public static void Print(IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<string>> rows)
    {
        var table = new Table().Border(TableBorder.Markdown);
        foreach (var header in headers)
        {
            var numeric = header.StartsWith('>');
            var column = new TableColumn(Markup.Escape(numeric ? header[1..] : header));
            table.AddColumn(numeric ? column.RightAligned() : column);
        }
        foreach (var row in rows)
        {
            table.AddRow(row.Select(Markup.Escape).ToArray());
        }
        // Wide and plain even when stdout is a file or a pipe: no wrapping, no colour codes, no blank border lines.
        using var text = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(text),
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
        });
        console.Profile.Width = 240;
        console.Write(table);
        foreach (var line in text.ToString().Split('\n').Select(l => l.TrimEnd()).Where(l => l.Length > 0))
        {
            System.Console.WriteLine(line);
        }
    }
}
