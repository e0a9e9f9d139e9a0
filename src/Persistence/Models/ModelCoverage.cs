using Microsoft.EntityFrameworkCore;
using VideoCoca.Contracts.Api;
using VideoCoca.Persistence.Entities;

namespace VideoCoca.Persistence.Models;

/// <summary>How much of the catalogue a model version has results for.</summary>
/// <param name="Covered">Catalogue clips (<see cref="ModelCoverage.Catalogue"/>) with a result under the version.</param>
/// <param name="Total">Catalogue clips.</param>
public sealed record CatalogueCoverage(int Covered, int Total)
{
    /// <summary>Catalogue clips the version has no result for: what a campaign still has to analyse.</summary>
    public int Missing => Math.Max(0, Total - Covered);

    /// <summary>Covered over total, 0 to 1; an empty catalogue is covered by every version (nothing lacks a result).</summary>
    public double Fraction => Total == 0 ? 1.0 : (double)Covered / Total;

    public bool IsComplete => Missing == 0;
}

/// <summary>
/// The one definition of a version's coverage, shared by activation (refused while incomplete) and campaigns (activate on
/// completion): every clip of every finished video (completed or completed with errors) that was analysed for its upload
/// has a result under the version. Clips that failed for their upload, and videos still in progress or failed, do not count.
/// </summary>
public static class ModelCoverage
{
    /// <summary>The clips a version must have a result for to cover the catalogue.</summary>
    public static IQueryable<Clip> Catalogue(ResultsDbContext db) =>
        db.Clips.Where(c => c.State == ClipState.Analysed
            && (c.Video!.State == VideoState.Completed || c.Video.State == VideoState.CompletedWithErrors));

    /// <summary>One version's coverage (one statement: covered and total come from the same snapshot).</summary>
    /// <exception cref="InvalidOperationException">No version has the id.</exception>
    public static async Task<CatalogueCoverage> OfAsync(ResultsDbContext db, int versionId, CancellationToken cancellationToken)
    {
        var coverage = await OfVersionsAsync(db, [versionId], cancellationToken);
        return coverage.TryGetValue(versionId, out var found) ? found : throw new InvalidOperationException($"there is no model version with id {versionId}");
    }

    /// <summary>Several versions' coverage in one statement, by version id; ids of no version are left out.</summary>
    public static async Task<IReadOnlyDictionary<int, CatalogueCoverage>> OfVersionsAsync(
        ResultsDbContext db, IReadOnlyCollection<int> versionIds, CancellationToken cancellationToken)
    {
        var catalogue = Catalogue(db);
        var rows = await db.ModelVersions.AsNoTracking()
            .Where(m => versionIds.Contains(m.Id))
            .Select(m => new
            {
                m.Id,
                Covered = catalogue.Count(c => db.ClipResults.Any(r => r.ClipId == c.Id && r.ModelVersionId == m.Id)),
                Total = catalogue.Count(),
            })
            .ToListAsync(cancellationToken);
        return rows.ToDictionary(r => r.Id, r => new CatalogueCoverage(r.Covered, r.Total));
    }
}
