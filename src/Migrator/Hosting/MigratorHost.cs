using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using VideoCoca.Migrator.Database;

namespace VideoCoca.Migrator.Hosting;

/// <summary>
/// The migrator as a host: configuration from appsettings, environment and command line
/// (<c>--Postgres:ConnectionString=...</c>), one run of <see cref="DatabaseMigrator"/>, an exit code.
/// </summary>
public static partial class MigratorHost
{
    /// <returns>0 when the database is up to date, 1 when migrating failed (the error is logged).</returns>
    public static async Task<int> RunAsync(string[] args, CancellationToken cancellationToken = default)
    {
        var builder = Host.CreateApplicationBuilder(args);
        // EF Core reads the migrations history table before it exists on a fresh database and logs
        // that failed query as an error; real failures still surface as the exception logged below.
        builder.Logging.AddFilter("Microsoft.EntityFrameworkCore.Database.Command", LogLevel.None);
        builder.Services.AddMigrator(builder.Configuration);
        using var host = builder.Build();
        var logger = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(MigratorHost));
        try
        {
            await host.Services.GetRequiredService<DatabaseMigrator>().MigrateAsync(cancellationToken);
            return 0;
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            LogFailed(logger, exception);
            return 1;
        }
    }

    [LoggerMessage(Level = LogLevel.Critical, Message = "Migrating the database failed")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
