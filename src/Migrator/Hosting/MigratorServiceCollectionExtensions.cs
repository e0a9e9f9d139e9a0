using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using VideoCoca.Migrator.Database;
using VideoCoca.Migrator.Orleans;
using VideoCoca.Persistence.Hosting;

namespace VideoCoca.Migrator.Hosting;

public static class MigratorServiceCollectionExtensions
{
    /// <summary>Registers what <see cref="DatabaseMigrator"/> needs: the results context, options, the Orleans schema.</summary>
    public static IServiceCollection AddMigrator(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddResultsDatabase(configuration);
        services.AddOptions<MigratorOptions>().Bind(configuration.GetSection(MigratorOptions.SectionName));
        services.AddSingleton<OrleansSchema>();
        services.AddSingleton<DatabaseMigrator>();
        return services;
    }
}
