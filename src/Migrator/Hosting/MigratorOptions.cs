namespace VideoCoca.Migrator.Hosting;

/// <summary>The <c>Migrator</c> configuration section.</summary>
public sealed class MigratorOptions
{
    public const string SectionName = "Migrator";

    /// <summary>Create the database when it does not exist (the role needs CREATEDB).</summary>
    public bool CreateDatabase { get; set; } = true;

    /// <summary>Create the Orleans ADO.NET tables and queries (clustering, grain storage, reminders).</summary>
    public bool Orleans { get; set; } = true;

    /// <summary>How long to wait for another migrator holding the lock.</summary>
    public int LockTimeoutSeconds { get; set; } = 300;
}
