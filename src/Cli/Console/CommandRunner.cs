using System.CommandLine;
using Spectre.Console;

namespace VideoCoca.Cli.Console;

/// <summary>Runs a command's body so that any failure is one line on stderr and a non-zero exit, never a stack trace.</summary>
public static class CommandRunner
{
    public const int Failure = 1;

    public static void SetGuardedAction(this Command command, Func<ParseResult, CancellationToken, Task<int>> action) =>
        command.SetAction(async (parse, cancellationToken) =>
        {
            try
            {
                return await action(parse, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                System.Console.Error.WriteLine("cancelled");
                return Failure;
            }
            catch (Exception e)
            {
                var message = e is UserInputException ? e.Message : $"{e.GetType().Name}: {e.Message}";
                System.Console.Error.WriteLine($"error: {OneLine(message)}");
                if (Environment.GetEnvironmentVariable("VCP_DEBUG") == "1") System.Console.Error.WriteLine(e);
                return Failure;
            }
        });

    private static string OneLine(string text) =>
        string.Join(' ', text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    /// <summary>A progress bar on stderr when it is a terminal; plain periodic lines when it is not (CI logs, pipes).</summary>
    public static async Task<T> WithProgressAsync<T>(string description, Func<Action<double, double, string>, Task<T>> work)
    {
        if (!System.Console.IsErrorRedirected)
        {
            var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(System.Console.Error) });
            return await console.Progress()
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
                .StartAsync(async context =>
                {
                    var task = context.AddTask(description);
                    return await work((done, total, status) =>
                    {
                        task.MaxValue = Math.Max(1, total);
                        task.Value = done;
                        task.Description = string.IsNullOrEmpty(status) ? description : $"{description} {Markup.Escape(status)}";
                    });
                });
        }
        var lastReport = DateTime.MinValue;
        return await work((done, total, status) =>
        {
            if (DateTime.UtcNow - lastReport < TimeSpan.FromSeconds(10) && done < total) return;
            lastReport = DateTime.UtcNow;
            System.Console.Error.WriteLine($"{description} {done:0}/{total:0} {status}");
        });
    }
}
