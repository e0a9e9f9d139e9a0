using System.Data;
using Npgsql;
using VideoCoca.Platform.Tests.Infrastructure;

namespace VideoCoca.Platform.Tests.Orleans;

/// <summary>
/// The stored Orleans queries' conflict rules, which a single silo never meets: each query is read
/// from OrleansQuery and run with parameters typed as the ADO.NET providers type them.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class OrleansQueryTests(StackFixture stack)
{
    [Fact]
    public async Task MembershipChangesNeedTheCurrentTableVersion()
    {
        var cluster = $"query-tests-{Guid.NewGuid():N}";
        Assert.Equal(1, await ScalarAsync<int>("InsertMembershipVersionKey", ("DeploymentId", cluster)));
        Assert.Equal(0, await ScalarAsync<int>("InsertMembershipVersionKey", ("DeploymentId", cluster)));

        Assert.Equal(0, await InsertSiloAsync(cluster, generation: 1, version: 5));
        Assert.Equal(1, await InsertSiloAsync(cluster, generation: 1, version: 0));
        Assert.Equal(0, await InsertSiloAsync(cluster, generation: 1, version: 1)); // the same silo twice
        Assert.Equal(1, await InsertSiloAsync(cluster, generation: 2, version: 1));

        Assert.Equal(0, await UpdateSiloAsync(cluster, generation: 1, status: 6, version: 1)); // stale
        Assert.Equal(0, await UpdateSiloAsync(cluster, generation: 9, status: 6, version: 2)); // no such silo
        Assert.Equal(1, await UpdateSiloAsync(cluster, generation: 1, status: 6, version: 2));

        var rows = await ReadAsync("MembershipReadAllKey", ("DeploymentId", cluster));
        Assert.Equal(2, rows.Count);
        Assert.All(rows, row => Assert.Equal(3, Convert.ToInt32(row["Version"], System.Globalization.CultureInfo.InvariantCulture)));
        Assert.Equal([3, 6], rows.Select(row => (int)row["Status"]!).Order());

        var gateways = await ReadAsync("GatewaysQueryKey", ("DeploymentId", cluster), ("Status", 3));
        Assert.Equal(2, (int)Assert.Single(gateways)["Generation"]!);
    }

    [Fact]
    public async Task GrainStateWritesNeedTheStoredVersion()
    {
        var grain = Grain();
        Assert.Equal(1, await WriteAsync(grain, version: null, payload: [1]));
        Assert.Null(await WriteAsync(grain, version: null, payload: [2])); // a second first write
        Assert.Null(await WriteAsync(grain, version: 7, payload: [2])); // stale
        Assert.Equal(2, await WriteAsync(grain, version: 1, payload: [3]));

        var other = Grain(extension: "other");
        Assert.Equal(1, await WriteAsync(other, version: null, payload: [9])); // same ids, another key extension

        var read = Assert.Single(await ReadAsync("ReadFromStorageKey", grain));
        Assert.Equal(new byte[] { 3 }, read["PayloadBinary"]);
        Assert.Equal(2, read["Version"]);

        Assert.Empty(await ReadAsync("ClearStorageKey", [.. grain, ("GrainStateVersion", (int?)1)]));
        Assert.Equal(3, Assert.Single(await ReadAsync("ClearStorageKey", [.. grain, ("GrainStateVersion", (int?)2)]))["NewGrainStateVersion"]);
        Assert.Null(Assert.Single(await ReadAsync("ReadFromStorageKey", grain))["PayloadBinary"]);

        Assert.Equal(4, Assert.Single(await ReadAsync("DeleteStorageKey", [.. grain, ("GrainStateVersion", (int?)3)]))["NewGrainStateVersion"]);
        Assert.Empty(await ReadAsync("ReadFromStorageKey", grain));
        Assert.Single(await ReadAsync("ReadFromStorageKey", other));
    }

    [Fact]
    public async Task RemindersAreVersionedAndReadByRingRange()
    {
        var service = $"query-tests-{Guid.NewGuid():N}";
        var start = DateTime.UtcNow;
        (string, object?)[] Reminder(string grainId, string name, int hash) =>
            [("ServiceId", service), ("GrainId", grainId), ("ReminderName", name), ("StartTime", start), ("Period", 60_000), ("GrainHash", hash)];

        Assert.Equal(0, await ScalarAsync<int>("UpsertReminderRowKey", Reminder("counter/a", "tick", -100)));
        Assert.Equal(1, await ScalarAsync<int>("UpsertReminderRowKey", Reminder("counter/a", "tick", -100)));
        Assert.Equal(0, await ScalarAsync<int>("UpsertReminderRowKey", Reminder("counter/b", "tick", 100)));

        Assert.Single(await ReadAsync("ReadRangeRows1Key", ("ServiceId", service), ("BeginHash", -200), ("EndHash", 0)));
        Assert.Equal(2, (await ReadAsync("ReadRangeRows2Key", ("ServiceId", service), ("BeginHash", 50), ("EndHash", -50))).Count);
        Assert.Empty(await ReadAsync("ReadRangeRows2Key", ("ServiceId", service), ("BeginHash", 150), ("EndHash", -150)));

        var row = Assert.Single(await ReadAsync("ReadReminderRowKey", ("ServiceId", service), ("GrainId", "counter/a"), ("ReminderName", "tick")));
        Assert.Equal(60_000L, row["Period"]);
        Assert.Equal(start, ((DateTime)row["StartTime"]!).ToUniversalTime(), TimeSpan.FromMilliseconds(1));

        (string, object?)[] delete(int version) => [("ServiceId", service), ("GrainId", "counter/a"), ("ReminderName", "tick"), ("Version", version)];
        Assert.Equal(0, await ScalarAsync<int>("DeleteReminderRowKey", delete(0)));
        Assert.Equal(1, await ScalarAsync<int>("DeleteReminderRowKey", delete(1)));
        Assert.Empty(await ReadAsync("ReadReminderRowsKey", ("ServiceId", service), ("GrainId", "counter/a")));
    }

    private static (string, object?)[] Grain(string? extension = null) =>
    [
        ("GrainIdHash", 42), ("GrainIdN0", 7L), ("GrainIdN1", 8L), ("GrainTypeHash", 99),
        ("GrainTypeString", "counter"), ("GrainIdExtensionString", extension), ("ServiceId", "query-tests"),
    ];

    private async Task<int?> WriteAsync((string, object?)[] grain, int? version, byte[] payload)
    {
        var row = Assert.Single(await ReadAsync("WriteToStorageKey", [.. grain, ("GrainStateVersion", version), ("PayloadBinary", payload)]));
        return row["NewGrainStateVersion"] as int?;
    }

    private Task<int> InsertSiloAsync(string cluster, int generation, int version) => ScalarAsync<int>("InsertMembershipKey",
        ("DeploymentId", cluster), ("Address", "127.0.0.1"), ("Port", 11111), ("Generation", generation),
        ("SiloName", $"silo-{generation}"), ("HostName", "localhost"), ("Status", 3), ("ProxyPort", 30000),
        ("StartTime", DateTime.UtcNow), ("IAmAliveTime", DateTime.UtcNow), ("Version", version));

    private Task<int> UpdateSiloAsync(string cluster, int generation, int status, int version) => ScalarAsync<int>("UpdateMembershipKey",
        ("DeploymentId", cluster), ("Address", "127.0.0.1"), ("Port", 11111), ("Generation", generation),
        ("Status", status), ("SuspectTimes", (string?)null), ("IAmAliveTime", DateTime.UtcNow), ("Version", version));

    private async Task<T> ScalarAsync<T>(string queryKey, params (string Name, object? Value)[] parameters)
    {
        var row = Assert.Single(await ReadAsync(queryKey, parameters));
        return (T)Assert.Single(row.Values)!;
    }

    private async Task<List<Dictionary<string, object?>>> ReadAsync(string queryKey, params (string Name, object? Value)[] parameters)
    {
        await using var connection = new NpgsqlConnection(stack.ConnectionString);
        await connection.OpenAsync();
        string text;
        await using (var lookup = new NpgsqlCommand("SELECT querytext FROM orleansquery WHERE querykey = @key", connection))
        {
            lookup.Parameters.AddWithValue("key", queryKey);
            text = (string)(await lookup.ExecuteScalarAsync())!;
        }
        await using var command = new NpgsqlCommand(text, connection);
        foreach (var (name, value) in parameters)
        {
            // As Orleans' DbExtensions.AddParameter types them: by the value's CLR type, nulls included.
            command.Parameters.Add(new NpgsqlParameter(name, value ?? DBNull.Value) { DbType = DbTypeOf(name, value) });
        }
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<Dictionary<string, object?>>();
        while (await reader.ReadAsync())
        {
            var row = new Dictionary<string, object?>(StringComparer.Ordinal);
            for (var i = 0; i < reader.FieldCount; i++)
            {
                row[reader.GetName(i)] = reader.IsDBNull(i) ? null : reader.GetValue(i);
            }
            rows.Add(row);
        }
        return rows;
    }

    private static DbType DbTypeOf(string name, object? value) => value switch
    {
        int => DbType.Int32,
        long => DbType.Int64,
        string => DbType.String,
        DateTime => DbType.DateTime,
        byte[] => DbType.Binary,
        null when name is "GrainStateVersion" => DbType.Int32,
        null => DbType.String,
        _ => throw new ArgumentOutOfRangeException(name, value, "No Orleans parameter type for this value."),
    };
}
