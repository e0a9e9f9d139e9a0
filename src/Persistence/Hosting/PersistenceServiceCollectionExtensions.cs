using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace VideoCoca.Persistence.Hosting;

public static class PersistenceServiceCollectionExtensions
{
    /// <summary>
    /// Binds <see cref="PostgresOptions"/> and registers <see cref="ResultsDbContext"/> with a context
    /// factory (for grains and singletons) and as a scoped service (for consumers and requests).
    /// </summary>
    public static IServiceCollection AddResultsDatabase(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<PostgresOptions>()
            .Bind(configuration.GetSection(PostgresOptions.SectionName))
            .PostConfigure(options => options.ConnectionString = PostgresOptions.Resolve(options.ConnectionString));
        services.AddDbContextFactory<ResultsDbContext>((provider, options) =>
            ResultsDbContextOptions.Configure(options, provider.GetRequiredService<IOptions<PostgresOptions>>().Value.ConnectionString));
        return services;
    }
}
