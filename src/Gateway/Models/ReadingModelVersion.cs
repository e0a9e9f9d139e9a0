using Microsoft.EntityFrameworkCore;
using VideoCoca.Persistence;

namespace VideoCoca.Gateway.Models;

/// <summary>A model version as reads need it: its row id, its name, the length of its embeddings.</summary>
public sealed record ReadingModelVersion(int Id, string Name, int Dimension);

/// <summary>
/// Which model version reads (search, questions, labels, watchlists): the one named, else the newest version that
/// has stored results, else the newest registered. One version per read, so that no answer mixes versions.
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
            .OrderByDescending(m => db.ClipResults.Any(r => r.ModelVersionId == m.Id))
            .ThenByDescending(m => m.CreatedAt).ThenByDescending(m => m.Id)
            .Select(m => new ReadingModelVersion(m.Id, m.Name, m.EmbeddingDimension))
            .FirstOrDefaultAsync(cancellationToken);
    }
}
