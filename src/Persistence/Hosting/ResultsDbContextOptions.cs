using Microsoft.EntityFrameworkCore;

namespace VideoCoca.Persistence.Hosting;

/// <summary>The one place that says how <see cref="ResultsDbContext"/> talks to PostgreSQL.</summary>
public static class ResultsDbContextOptions
{
    public static DbContextOptionsBuilder Configure(DbContextOptionsBuilder options, string connectionString) =>
        options.UseNpgsql(connectionString, npgsql =>
            npgsql.UseVector()
                .MigrationsHistoryTable("ef_migrations_history")
                .MigrationsAssembly(typeof(ResultsDbContext).Assembly.GetName().Name));

    /// <summary>Options for a context made by hand (tests, tools).</summary>
    public static DbContextOptions<ResultsDbContext> Create(string connectionString)
    {
        var builder = new DbContextOptionsBuilder<ResultsDbContext>();
        Configure(builder, connectionString);
        return builder.Options;
    }
}
