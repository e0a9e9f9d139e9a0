namespace VideoCoca.Cli.Platform;

/// <summary>
/// Whether uploads will be analysed: the active model version needs a worker running it. On a machine whose database
/// outlived a change of model (another shipped default, a benchmark's model) the active version can be one no worker
/// runs any more, and every upload would wait for it silently.
/// </summary>
public static class ActiveModelCheck
{
    /// <summary>Waits up to <paramref name="registration"/> for a worker to register, then refuses, naming the way out, when the active version has none.</summary>
    public static async Task RequireActiveWorkerAsync(GatewayClient client, TimeSpan registration, CancellationToken cancellationToken)
    {
        var deadline = DateTimeOffset.UtcNow + registration;
        while (true)
        {
            var models = await client.ListModelVersionsAsync(cancellationToken);
            var active = models.Versions.FirstOrDefault(v => v.Active);
            if (active is not null && active.Workers > 0) return;
            var running = models.Versions.Where(v => v.Workers > 0).Select(v => v.Name).ToList();
            // No version active yet: the first worker of an empty catalogue activates its own.
            if (active is null && running.Count > 0) return;
            if (running.Count > 0 || DateTimeOffset.UtcNow >= deadline)
                throw new UserInputException(
                    $"the active model version {active?.Name ?? "(none)"} has no worker running, so uploads would wait for one" +
                    (running.Count > 0 ? $"; workers run {string.Join(", ", running)}: activate it with ./vcp models activate {running[0]} (with --force when finished videos have no results under it yet)" : ""));
            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
        }
    }
}
