using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using VideoCoca.Grains.Campaigns;
using VideoCoca.Grains.Retention;
using VideoCoca.Grains.Storage;
using VideoCoca.Grains.Videos;
using VideoCoca.Ingest;

namespace VideoCoca.Grains;

public static class GrainsServiceCollectionExtensions
{
    /// <summary>
    /// What the grains need besides Orleans: <see cref="IngestOptions"/> from the <c>Ingest</c> section, <see cref="CampaignOptions"/>
    /// and <see cref="RetentionOptions"/> from theirs, the ffmpeg
    /// ingestor, the blob layout, the results-database writer and the clip publisher. The host adds the results
    /// database (<c>AddResultsDatabase</c>) and the bus (<c>AddPlatformMessaging</c>).
    /// </summary>
    public static IServiceCollection AddVideoGrainServices(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<IngestOptions>()
            .Bind(configuration.GetSection(IngestOptions.SectionName))
            .PostConfigure(options => options.BlobRoot = IngestOptions.ResolveBlobRoot(options.BlobRoot))
            .Validate(options =>
            {
                options.Validate();
                return true;
            })
            .ValidateOnStart();
        services.AddOptions<CampaignOptions>()
            .Bind(configuration.GetSection(CampaignOptions.SectionName))
            .Validate(options =>
            {
                options.Validate();
                return true;
            })
            .ValidateOnStart();
        services.AddOptions<RetentionOptions>()
            .Bind(configuration.GetSection(RetentionOptions.SectionName))
            .Validate(options =>
            {
                options.Validate();
                return true;
            })
            .ValidateOnStart();
        services.TryAddSingleton<CampaignFrames>();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<BlobLayout>();
        services.TryAddSingleton<IVideoIngestor, FfmpegVideoIngestor>();
        services.TryAddSingleton<IVideoRecords, VideoRecords>();
        services.TryAddSingleton<IClipPublisher, BusClipPublisher>();
        return services;
    }
}
