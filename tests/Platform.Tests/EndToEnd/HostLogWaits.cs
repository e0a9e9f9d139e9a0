namespace VideoCoca.Platform.Tests.EndToEnd;

/// <summary>Waiting for what a host says it has done (a test hook's hold line, say) rather than for a span of time.</summary>
public static class HostLogWaits
{
    /// <summary>
    /// Waits until the host's output has a line containing each of <paramref name="texts"/>; fails at once if the host
    /// exits first, or after <paramref name="patience"/> naming the lines still missing.
    /// </summary>
    public static async Task WaitForLogAsync(this HostProcess host, IReadOnlyCollection<string> texts, TimeSpan patience)
    {
        var deadline = DateTime.UtcNow + patience;
        while (true)
        {
            var missing = texts.Where(t => !host.LogContains(t)).ToList();
            if (missing.Count == 0) return;
            if (host.HasExited)
            {
                throw new InvalidOperationException($"{host.Name} exited before it logged: {string.Join(" | ", missing)}");
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException(
                    $"{host.Name} did not log {missing.Count} of {texts.Count} expected lines in {patience.TotalSeconds:F0} s: {string.Join(" | ", missing)}");
            }
            await Task.Delay(250);
        }
    }

    public static Task WaitForLogAsync(this HostProcess host, string text, TimeSpan patience) => host.WaitForLogAsync([text], patience);
}
