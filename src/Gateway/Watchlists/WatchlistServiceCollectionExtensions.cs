using Microsoft.Extensions.Options;

namespace VideoCoca.Gateway.Watchlists;

public static class WatchlistServiceCollectionExtensions
{
    /// <summary>Watchlists: <see cref="WatchlistOptions"/> from the <c>Watchlists</c> section, and the catalogue pass in the background.</summary>
    public static IServiceCollection AddWatchlists(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<WatchlistOptions>().Bind(configuration.GetSection(WatchlistOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<WatchlistOptions>, WatchlistOptionsValidator>();
        services.AddSingleton<WatchlistBackfillSignal>();
        services.AddHostedService<WatchlistBackfillService>();
        return services;
    }

    private sealed class WatchlistOptionsValidator : IValidateOptions<WatchlistOptions>
    {
        public ValidateOptionsResult Validate(string? name, WatchlistOptions options)
        {
            var errors = options.Validate().ToList();
            return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
        }
    }
}
