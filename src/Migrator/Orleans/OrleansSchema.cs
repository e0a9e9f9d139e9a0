using System.Reflection;
using Npgsql;

namespace VideoCoca.Migrator.Orleans;

/// <summary>
/// The tables and stored queries of the Orleans ADO.NET providers the silo uses (clustering, grain
/// storage, reminders), from this project's own SQL embedded in the assembly: Orleans/Sql/tables.sql
/// and one Orleans/Queries/&lt;QueryKey&gt;.sql per query the providers look up in OrleansQuery.
/// </summary>
public sealed class OrleansSchema
{
    private const string TablesResource = "VideoCoca.Migrator.Orleans.Sql.tables.sql";
    private const string QueryPrefix = "VideoCoca.Migrator.Orleans.Queries.";

    /// <summary>The query keys the three providers require (Orleans 10: DbStoredQueries and AdoNetGrainStorage).</summary>
    public static readonly IReadOnlyList<string> RequiredQueryKeys =
    [
        // Clustering
        "GatewaysQueryKey", "MembershipReadRowKey", "MembershipReadAllKey", "InsertMembershipVersionKey",
        "UpdateIAmAlivetimeKey", "InsertMembershipKey", "UpdateMembershipKey", "DeleteMembershipTableEntriesKey",
        "CleanupDefunctSiloEntriesKey",
        // Grain storage
        "WriteToStorageKey", "ReadFromStorageKey", "ClearStorageKey", "DeleteStorageKey",
        // Reminders
        "ReadReminderRowsKey", "ReadRangeRows1Key", "ReadRangeRows2Key", "ReadReminderRowKey",
        "UpsertReminderRowKey", "DeleteReminderRowKey", "DeleteReminderRowsKey",
    ];

    private readonly Lazy<string> tables = new(() => ReadResource(TablesResource));
    private readonly Lazy<IReadOnlyDictionary<string, string>> queries = new(LoadQueries);

    /// <summary>The stored queries by key, as written to OrleansQuery (comment lines left out).</summary>
    public IReadOnlyDictionary<string, string> Queries => queries.Value;

    /// <summary>Creates what is missing and (re)writes every stored query, in one transaction.</summary>
    /// <returns>How many queries were written.</returns>
    public async Task<int> ApplyAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var create = new NpgsqlCommand(tables.Value, connection, transaction))
        {
            await create.ExecuteNonQueryAsync(cancellationToken);
        }
        foreach (var (key, text) in Queries)
        {
            await using var upsert = new NpgsqlCommand(
                "INSERT INTO orleansquery (querykey, querytext) VALUES (@key, @text) " +
                "ON CONFLICT (querykey) DO UPDATE SET querytext = EXCLUDED.querytext " +
                "WHERE orleansquery.querytext IS DISTINCT FROM EXCLUDED.querytext",
                connection, transaction);
            upsert.Parameters.AddWithValue("key", key);
            upsert.Parameters.AddWithValue("text", text);
            await upsert.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        return Queries.Count;
    }

    private static IReadOnlyDictionary<string, string> LoadQueries()
    {
        var assembly = typeof(OrleansSchema).Assembly;
        var loaded = assembly.GetManifestResourceNames()
            .Where(name => name.StartsWith(QueryPrefix, StringComparison.Ordinal) && name.EndsWith(".sql", StringComparison.Ordinal))
            .ToDictionary(
                name => name[QueryPrefix.Length..^".sql".Length],
                name => WithoutCommentLines(ReadResource(name)),
                StringComparer.Ordinal);
        var missing = RequiredQueryKeys.Except(loaded.Keys).ToList();
        if (missing.Count > 0)
        {
            throw new InvalidOperationException($"Orleans queries missing from {assembly.GetName().Name}: {string.Join(", ", missing)}.");
        }
        return loaded;
    }

    // The providers hand the text to Npgsql as it is: leave out the files' "--" comment lines.
    private static string WithoutCommentLines(string sql) =>
        string.Join('\n', sql.Split('\n').Where(line => !line.TrimStart().StartsWith("--", StringComparison.Ordinal))).Trim();

    private static string ReadResource(string name)
    {
        using var stream = typeof(OrleansSchema).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"Embedded resource {name} is missing.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
