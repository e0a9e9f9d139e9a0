using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using VideoCoca.Migrator.Hosting;
using VideoCoca.Migrator.Orleans;
using VideoCoca.Persistence;
using VideoCoca.Persistence.Hosting;

namespace VideoCoca.Migrator.Database;

/// <summary>
/// Brings the platform's database up to date: creates it if asked, then, under an advisory lock,
/// applies the EF Core migrations of <see cref="ResultsDbContext"/> and the Orleans ADO.NET schema.
/// Running it again changes nothing.
/// </summary>
public sealed partial class DatabaseMigrator(
    IDbContextFactory<ResultsDbContext> contexts,
    OrleansSchema orleansSchema,
    IOptions<PostgresOptions> postgres,
    IOptions<MigratorOptions> options,
    ILogger<DatabaseMigrator> logger)
{
    public async Task MigrateAsync(CancellationToken cancellationToken = default)
    {
        var connectionString = postgres.Value.ConnectionString;
        var settings = options.Value;
        var database = new NpgsqlConnectionStringBuilder(connectionString).Database
            ?? throw new InvalidOperationException("The Postgres connection string names no database.");
        if (settings.CreateDatabase)
        {
            await EnsureDatabaseAsync(connectionString, database, cancellationToken);
        }

        await using var migrationLock = await AdvisoryLock.AcquireAsync(
            connectionString, AdvisoryLock.MigratorKey, TimeSpan.FromSeconds(settings.LockTimeoutSeconds), cancellationToken);
        LogLocked(logger, database);

        await using (var context = await contexts.CreateDbContextAsync(cancellationToken))
        {
            var before = (await context.Database.GetAppliedMigrationsAsync(cancellationToken)).ToHashSet(StringComparer.Ordinal);
            await context.Database.MigrateAsync(cancellationToken);
            var applied = (await context.Database.GetAppliedMigrationsAsync(cancellationToken)).Where(m => !before.Contains(m)).ToList();
            LogResultsMigrated(logger, applied.Count, applied.Count == 0 ? "none" : string.Join(", ", applied));
        }

        if (settings.Orleans)
        {
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync(cancellationToken);
            var queries = await orleansSchema.ApplyAsync(connection, cancellationToken);
            LogOrleansApplied(logger, queries);
        }
    }

    private async Task EnsureDatabaseAsync(string connectionString, string database, CancellationToken cancellationToken)
    {
        var maintenance = new NpgsqlConnectionStringBuilder(connectionString) { Database = "postgres", Pooling = false };
        await using var connection = new NpgsqlConnection(maintenance.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using (var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = @name", connection))
        {
            exists.Parameters.AddWithValue("name", database);
            if (await exists.ExecuteScalarAsync(cancellationToken) is not null)
            {
                return;
            }
        }
        var quoted = "\"" + database.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
        await using var create = new NpgsqlCommand($"CREATE DATABASE {quoted}", connection);
        try
        {
            await create.ExecuteNonQueryAsync(cancellationToken);
            LogDatabaseCreated(logger, database);
        }
        catch (PostgresException exception) when (exception.SqlState is PostgresErrorCodes.DuplicateDatabase or PostgresErrorCodes.UniqueViolation)
        {
            // Another migrator created it a moment ago.
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Created database {Database}")]
    private static partial void LogDatabaseCreated(ILogger logger, string database);

    [LoggerMessage(Level = LogLevel.Information, Message = "Holding the migration lock on database {Database}")]
    private static partial void LogLocked(ILogger logger, string database);

    [LoggerMessage(Level = LogLevel.Information, Message = "Results schema up to date ({Count} migrations applied now: {Migrations})")]
    private static partial void LogResultsMigrated(ILogger logger, int count, string migrations);

    [LoggerMessage(Level = LogLevel.Information, Message = "Orleans schema up to date ({Queries} stored queries)")]
    private static partial void LogOrleansApplied(ILogger logger, int queries);
}
