namespace VideoCoca.Persistence.Hosting;

/// <summary>The <c>Postgres</c> configuration section: where the platform's database is.</summary>
public sealed class PostgresOptions
{
    public const string SectionName = "Postgres";

    /// <summary>Read when the section sets no connection string (scripts/stack.sh env prints it).</summary>
    public const string EnvironmentVariable = "VCP_POSTGRES";

    /// <summary>The private cluster that scripts/stack.sh runs.</summary>
    public const string DefaultConnectionString = "Host=127.0.0.1;Port=55432;Database=vcp;Username=vcp;Password=vcp";

    /// <summary>An Npgsql connection string; empty for <see cref="EnvironmentVariable"/>, then the default.</summary>
    public string ConnectionString { get; set; } = "";

    /// <summary>The configured connection string, else the environment variable's, else the default.</summary>
    public static string Resolve(string? configured)
    {
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return configured;
        }
        var fromEnvironment = Environment.GetEnvironmentVariable(EnvironmentVariable);
        return string.IsNullOrWhiteSpace(fromEnvironment) ? DefaultConnectionString : fromEnvironment;
    }
}
