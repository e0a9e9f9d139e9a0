using System.Diagnostics;
using VideoCoca.Cli.Console;
using VideoCoca.Cli.Platform;
using VideoCoca.Contracts.Api;
using VideoCoca.World;

namespace VideoCoca.Cli.Benchmarks;

/// <summary>One search mode's latency through the gateway while the worker was busy.</summary>
public sealed record SearchLatency(string Mode, int Queries, double P50Ms, double P95Ms, double MaxMs);

/// <summary>What the HTTP half of <c>vcp bench search</c> measured.</summary>
public sealed record SearchHttpReport(int CatalogueClips, int LoadClips, IReadOnlyList<SearchLatency> Modes);

/// <summary>
/// <c>GET /api/search</c> on a real catalogue while the worker is busy: a catalogue of world videos is analysed first,
/// then a second batch of videos is uploaded and, for as long as any of them is still being analysed, queries go out
/// one after another (full captions and parts of captions, every mode in turn). Only queries that ran while clips were
/// being analysed count.
/// </summary>
public sealed class SearchHttpBenchmark(GatewayClient gateway, HttpClient http, TimeSpan timeout)
{
    private static readonly string[] Modes = ["hybrid", "semantic", "text"];

    public async Task<SearchHttpReport> RunAsync(
        IReadOnlyList<string> catalogue, IReadOnlyList<string> load, int maxQueries, CancellationToken cancellationToken)
    {
        var uploaded = new List<Guid>();
        try
        {
            var catalogueIds = await UploadAllAsync(catalogue, uploaded, cancellationToken);
            var catalogueClips = await CommandRunner.WithProgressAsync("analysing the catalogue", async report =>
                (await WaitAsync(catalogueIds, report, cancellationToken)).Sum(s => s.Progress.Total));

            var texts = QueryTexts();
            // One untimed query per mode: the first embeds through a cold request client.
            foreach (var mode in Modes) await SearchAsync(texts[0], mode, cancellationToken);

            var loadIds = await UploadAllAsync(load, uploaded, cancellationToken);
            var timings = Modes.ToDictionary(m => m, _ => new List<double>());
            var started = DateTime.UtcNow;
            var busy = true;
            var sent = 0;
            await CommandRunner.WithProgressAsync("searching while the worker analyses", async report =>
            {
                while (busy && sent < maxQueries)
                {
                    var mode = Modes[sent % Modes.Length];
                    var milliseconds = await SearchAsync(texts[sent % texts.Count], mode, cancellationToken);
                    // A query counts only if the load was still being analysed after it: checked every few queries.
                    if (sent % 6 == 5 || sent == maxQueries - 1)
                    {
                        var statuses = await Task.WhenAll(loadIds.Select(id => gateway.GetStatusAsync(id, cancellationToken)));
                        busy = statuses.Any(s => s.State == VideoState.Analysing || s.State == VideoState.Splitting || s.State == VideoState.Probing || s.State == VideoState.Received);
                        if (DateTime.UtcNow - started > timeout) throw new UserInputException($"the load was not analysed within {timeout.TotalSeconds:0} s");
                    }
                    if (busy) timings[mode].Add(milliseconds);
                    sent++;
                    report(sent, maxQueries, "");
                }
                return true;
            });
            var loadClips = (await WaitAsync(loadIds, (_, _, _) => { }, cancellationToken)).Sum(s => s.Progress.Total);
            var modes = timings.Where(t => t.Value.Count > 0)
                .Select(t => new SearchLatency(t.Key, t.Value.Count, Statistics.Percentile(t.Value, 0.5), Statistics.Percentile(t.Value, 0.95), t.Value.Max()))
                .ToList();
            if (modes.Count == 0) throw new UserInputException("the worker finished the load before any query was measured: upload more (--load-videos)");
            return new SearchHttpReport(catalogueClips, loadClips, modes);
        }
        finally
        {
            foreach (var id in uploaded) await gateway.DeleteAsync(id, CancellationToken.None);
        }
    }

    /// <summary>Whole captions and parts of captions of the shipped model's world.</summary>
    public static IReadOnlyList<string> QueryTexts()
    {
        var texts = new List<string>();
        var random = new Random(7);
        foreach (var color in WorldVocabulary.Colors)
        {
            texts.Add($"{color} square");
            foreach (var motion in WorldVocabulary.Motions)
            {
                texts.Add(WorldVocabulary.Caption(WorldVocabulary.Sizes[random.Next(2)], color, motion));
            }
        }
        texts.AddRange(WorldVocabulary.Motions.Where(m => m != "still").Select(m => $"square moving {m}"));
        return texts.OrderBy(_ => random.Next()).ToList();
    }

    private async Task<double> SearchAsync(string query, string mode, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        using var response = await http.GetAsync($"/api/search?q={Uri.EscapeDataString(query)}&mode={mode}&limit=10", cancellationToken);
        await response.Content.ReadAsByteArrayAsync(cancellationToken);
        var elapsed = clock.Elapsed.TotalMilliseconds;
        if (!response.IsSuccessStatusCode)
        {
            throw new UserInputException($"GET /api/search answered {(int)response.StatusCode} for '{query}' ({mode})");
        }
        return elapsed;
    }

    private async Task<IReadOnlyList<Guid>> UploadAllAsync(IReadOnlyList<string> files, List<Guid> uploaded, CancellationToken cancellationToken)
    {
        var ids = await Task.WhenAll(files.Select(f => gateway.UploadAsync(f, new GatewayClient.UploadOptions(null, null, null, []), cancellationToken)));
        uploaded.AddRange(ids);
        return ids;
    }

    private async Task<IReadOnlyList<VideoStatus>> WaitAsync(IReadOnlyList<Guid> ids, Action<double, double, string> report, CancellationToken cancellationToken)
    {
        var started = DateTime.UtcNow;
        while (true)
        {
            var statuses = await Task.WhenAll(ids.Select(id => gateway.GetStatusAsync(id, cancellationToken)));
            report(statuses.Sum(s => s.Progress.Done), Math.Max(1, statuses.Sum(s => s.Progress.Total)), "");
            if (statuses.All(s => GatewayClient.IsFinished(s.State))) return statuses;
            if (DateTime.UtcNow - started > timeout) throw new UserInputException($"the videos were not analysed within {timeout.TotalSeconds:0} s");
            await Task.Delay(500, cancellationToken);
        }
    }
}
