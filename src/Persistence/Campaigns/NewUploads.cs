using Microsoft.EntityFrameworkCore;
using VideoCoca.Contracts.Api;

namespace VideoCoca.Persistence.Campaigns;

/// <summary>
/// New uploads in progress, the ones campaigns give way to: the silo's campaign grains send nothing while there are any,
/// and workers hold campaign batches back. One definition for both, so that they agree on what counts.
/// </summary>
public static class NewUploads
{
    /// <summary>
    /// Videos received, being probed, split or analysed whose rows moved at or after <paramref name="since"/>: an upload
    /// stuck waiting (no worker for its version, say) stops counting once its row has been still that long.
    /// </summary>
    public static Task<int> InProgressAsync(ResultsDbContext db, DateTimeOffset since, CancellationToken cancellationToken) =>
        db.Videos.CountAsync(v => (v.State == VideoState.Received || v.State == VideoState.Probing
            || v.State == VideoState.Splitting || v.State == VideoState.Analysing) && v.UpdatedAt >= since, cancellationToken);
}
