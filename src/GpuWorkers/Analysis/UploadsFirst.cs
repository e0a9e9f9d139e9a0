using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using VideoCoca.GpuWorkers.Hosting;
using VideoCoca.Persistence;
using VideoCoca.Persistence.Campaigns;

namespace VideoCoca.GpuWorkers.Analysis;

/// <summary>
/// Holds a campaign's batch back while new uploads are in progress (<see cref="WorkerOptions.YieldToUploads"/>). The model's
/// gate already lets an upload's batch go ahead of campaign batches waiting for the model, but an upload first spends
/// a second or so in the gateway's checks and the silo's split, before any of its clips reach a worker: campaign batches
/// run then would take those cores. Checked before each campaign batch (one indexed count) and every
/// <see cref="PollPeriod"/> while it waits.
/// </summary>
public sealed class UploadsFirst(IDbContextFactory<ResultsDbContext> contexts, IOptions<WorkerOptions> options, TimeProvider clock, ILogger<UploadsFirst> logger)
{
    public static readonly TimeSpan PollPeriod = TimeSpan.FromMilliseconds(200);

    /// <summary>Returns once no new upload is in progress, or after <see cref="WorkerOptions.UploadYieldLimit"/>.</summary>
    public async Task WaitAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (!settings.YieldToUploads) return;
        var deadline = clock.GetUtcNow() + settings.UploadYieldLimit;
        var logged = false;
        while (true)
        {
            int uploads;
            await using (var db = await contexts.CreateDbContextAsync(cancellationToken))
            {
                uploads = await NewUploads.InProgressAsync(db, clock.GetUtcNow() - settings.UploadActivity, cancellationToken);
            }
            if (uploads == 0) return;
            if (clock.GetUtcNow() >= deadline)
            {
                logger.LogInformation("A campaign batch waited {Limit} for new uploads (Worker:UploadYieldLimit); it runs now beside {Uploads} of them",
                    settings.UploadYieldLimit, uploads);
                return;
            }
            if (!logged)
            {
                logger.LogInformation("A campaign batch waits: {Uploads} new upload(s) in progress go first", uploads);
                logged = true;
            }
            await Task.Delay(PollPeriod, clock, cancellationToken);
        }
    }
}
