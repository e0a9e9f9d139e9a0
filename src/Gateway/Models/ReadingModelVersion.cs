using Microsoft.EntityFrameworkCore;
using VideoCoca.Persistence;

namespace VideoCoca.Gateway.Models;

/// <summary>A model version as reads need it: its row id, its name, the length of its embeddings.</summary>
public sealed record ReadingModelVersion(int Id, string Name, int Dimension);

/// <summary>
/// Which model version reads (clips, search, questions, labels, watchlists): the one named, else the active one (activated
/// last), else (a catalogue no version was ever activated for) the newest version with stored results, else the newest
/// registered. Resolved once per read, so that no answer mixes versions; an activation switches every read after it.
/// </summary>
public static class ModelVersionResolver
{
    /// <returns>Null when no version is registered, or the named one is unknown.</returns>
    public static async Task<ReadingModelVersion?> ResolveAsync(ResultsDbContext db, string? name, CancellationToken cancellationToken)
    {
        var versions = db.ModelVersions.AsNoTracking();
        if (!string.IsNullOrWhiteSpace(name))
        {
            var trimmed = name.Trim();
            versions = versions.Where(m => m.Name == trimmed);
        }
        return await versions
            .OrderByDescending(m => m.ActivatedAt != null)
            .ThenByDescending(m => m.ActivatedAt)
            .ThenByDescending(m => db.ClipResults.Any(r => r.ModelVersionId == m.Id))
            .ThenByDescending(m => m.CreatedAt).ThenByDescending(m => m.Id)
            .Select(m => new ReadingModelVersion(m.Id, m.Name, m.EmbeddingDimension))
            .FirstOrDefaultAsync(cancellationToken);
    }
}
