using Microsoft.EntityFrameworkCore.Design;
using VideoCoca.Persistence.Hosting;

namespace VideoCoca.Persistence.DesignTime;

/// <summary>
/// Lets <c>dotnet ef</c> build the context: the connection string comes from VCP_POSTGRES, else the
/// stack's default (generating a migration needs no running database).
/// </summary>
public sealed class ResultsDbContextFactory : IDesignTimeDbContextFactory<ResultsDbContext>
{
    public ResultsDbContext CreateDbContext(string[] args) =>
        new(ResultsDbContextOptions.Create(PostgresOptions.Resolve(null)));
}
