using Npgsql;

namespace VideoCoca.Migrator.Database;

/// <summary>
/// A session-level PostgreSQL advisory lock held for as long as its connection stays open, so that
/// two migrators on one database run one after the other.
/// </summary>
public sealed class AdvisoryLock : IAsyncDisposable
{
    /// <summary>The key every migrator takes: "VCP_MIGR" in ASCII.</summary>
    public const long MigratorKey = 0x5643505F4D494752;

    private readonly NpgsqlConnection connection;
    private readonly long key;

    private AdvisoryLock(NpgsqlConnection connection, long key)
    {
        this.connection = connection;
        this.key = key;
    }

    /// <summary>Waits until the lock is free (polling, so that the timeout and cancellation are honoured), then takes it.</summary>
    public static async Task<AdvisoryLock> AcquireAsync(string connectionString, long key, TimeSpan timeout, CancellationToken cancellationToken)
    {
        // Unpooled: a pooled session would go on holding the lock after Dispose, until reused.
        var unpooled = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString;
        var connection = new NpgsqlConnection(unpooled);
        try
        {
            await connection.OpenAsync(cancellationToken);
            var deadline = DateTime.UtcNow + timeout;
            while (true)
            {
                await using (var command = new NpgsqlCommand("SELECT pg_try_advisory_lock(@key)", connection))
                {
                    command.Parameters.AddWithValue("key", key);
                    if (await command.ExecuteScalarAsync(cancellationToken) is true)
                    {
                        return new AdvisoryLock(connection, key);
                    }
                }
                if (DateTime.UtcNow >= deadline)
                {
                    throw new TimeoutException($"Advisory lock {key} still held by another session after {timeout}.");
                }
                await Task.Delay(TimeSpan.FromMilliseconds(250), cancellationToken);
            }
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>Releases the lock and closes the session (which alone would release it too).</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            await using var command = new NpgsqlCommand("SELECT pg_advisory_unlock(@key)", connection);
            command.Parameters.AddWithValue("key", key);
            await command.ExecuteScalarAsync();
        }
        catch (NpgsqlException)
        {
            // The session is gone already, and its locks with it.
        }
        finally
        {
            await connection.DisposeAsync();
        }
    }
}
