using Microsoft.EntityFrameworkCore;
using VideoCoca.Persistence.Entities;

namespace VideoCoca.Persistence.Models;

/// <summary>
/// Which model version is active (reads and takes new uploads), and making another one active. The active version is
/// the one activated last (ties, which activation avoids, go to the higher id, as the silo's choice of upload target does).
/// </summary>
public static class ModelActivation
{
    /// <summary>The active version, as a query (empty while no version was ever activated).</summary>
    public static IQueryable<ModelVersion> Active(ResultsDbContext db) =>
        db.ModelVersions.Where(m => m.ActivatedAt != null).OrderByDescending(m => m.ActivatedAt).ThenByDescending(m => m.Id).Take(1);

    /// <summary>
    /// Makes the version the active one in one UPDATE: every read resolves its version once, so a read before it sees
    /// the old version throughout and a read after it the new one. Its activated_at is now, or just after the latest
    /// activation when that is later (a worker's clock ahead of the database's), so that it is the latest.
    /// </summary>
    /// <returns>False when the version was already the active one (nothing changed) or there is no such version.</returns>
    public static async Task<bool> ActivateAsync(ResultsDbContext db, int versionId, CancellationToken cancellationToken)
    {
        var changed = await db.Database.ExecuteSqlAsync($"""
            UPDATE model_versions
            SET activated_at = GREATEST(now(), (SELECT max(activated_at) FROM model_versions) + interval '1 millisecond')
            WHERE id = {versionId}
              AND id IS DISTINCT FROM (SELECT id FROM model_versions WHERE activated_at IS NOT NULL
                                       ORDER BY activated_at DESC, id DESC LIMIT 1)
            """, cancellationToken);
        return changed == 1;
    }
}
