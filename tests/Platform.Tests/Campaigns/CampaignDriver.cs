using System.Net;
using System.Net.Http.Json;
using Npgsql;
using VideoCoca.Contracts.Api;
using VideoCoca.Platform.Tests.EndToEnd;
using VideoCoca.Platform.Tests.Infrastructure;

namespace VideoCoca.Platform.Tests.Campaigns;

/// <summary>What the campaign tests do to a running platform: the operator's calls (HTTP) and the operator's checks (PostgreSQL).</summary>
internal sealed class CampaignDriver(RunningPlatform platform, StackFixture stack)
{
    /// <summary>Silo settings that make a campaign tick often and come back soon after its silo is lost.</summary>
    public static readonly IReadOnlyDictionary<string, string> FastCampaigns = new Dictionary<string, string>
    {
        ["Campaigns__TickPeriod"] = "00:00:00.500",
        ["Campaigns__ReminderPeriod"] = "00:00:05",
    };

    /// <summary>The second model: other weights (and another input size) than the shipped one.</summary>
    public static string SecondModelPath => Path.Combine(RepositoryPaths.Root, "models", "world-tiny-square");

    /// <summary>Polls <paramref name="condition"/> until it holds, for two minutes at most.</summary>
    public static async Task WaitUntilAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"waited 2 minutes for {what}");
            await Task.Delay(250);
        }
    }

    public async Task<CampaignInfo> StartAsync(object request)
    {
        using var response = await platform.Http.PostAsJsonAsync("/api/campaigns", request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"POST /api/campaigns answered {(int)response.StatusCode}: {body}");
        return (await response.Content.ReadFromJsonAsync<CampaignInfo>())!;
    }

    public async Task<CampaignInfo> GetAsync(Guid id) => (await platform.Http.GetFromJsonAsync<CampaignInfo>($"/api/campaigns/{id}"))!;

    /// <summary>POST /api/campaigns/{id}/{action}: the status code and the body.</summary>
    public async Task<(HttpStatusCode Status, string Body)> ControlAsync(Guid id, string action)
    {
        using var response = await platform.Http.PostAsync($"/api/campaigns/{id}/{action}", null);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>POST /api/models/{version}/activate, forced: the catalogue is not yet covered by the version.</summary>
    public async Task ActivateAsync(string version)
    {
        using var response = await platform.Http.PostAsync($"/api/models/{Uri.EscapeDataString(version)}/activate?force=true", null);
        Assert.True(response.IsSuccessStatusCode, $"activating {version} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
    }

    public async Task<CampaignInfo> WaitForAsync(Guid id, Func<CampaignInfo, bool> condition, string what, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var info = await GetAsync(id);
            if (condition(info)) return info;
            Assert.True(DateTime.UtcNow < deadline,
                $"waited {timeout.TotalSeconds:F0} s for campaign {id} to be {what}; it is {info.State}, {info.Done}/{info.Total} done, " +
                $"{info.Failed} failed, {info.InFlight} in flight ({info.Detail})");
            await Task.Delay(250);
        }
    }

    /// <summary>Waits until a worker has registered a second version with its input, and returns its name.</summary>
    public async Task<string> WaitForVersionAsync(string except, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var names = await ScalarsAsync<string>("SELECT name FROM model_versions WHERE input_frames > 0 AND name <> @p", except);
            if (names.Count > 0) return names[0];
            Assert.True(DateTime.UtcNow < deadline, $"no second model version registered in {timeout.TotalSeconds:F0} s");
            await Task.Delay(250);
        }
    }

    /// <summary>The campaign's ledger: lines taken, sent, done and failed.</summary>
    public async Task<(long Taken, long Sent, long Done, long Failed)> LedgerAsync(Guid campaignId)
    {
        await using var connection = new NpgsqlConnection(stack.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("""
            SELECT count(*), count(published_at), count(*) FILTER (WHERE state = 'done'), count(*) FILTER (WHERE state = 'failed')
            FROM campaign_clips WHERE campaign_id = @p
            """, connection);
        command.Parameters.AddWithValue("p", campaignId);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3));
    }

    /// <summary>Result rows per clip of the videos under a version: clip id to count (clips without one are absent).</summary>
    public async Task<Dictionary<Guid, long>> ResultsUnderAsync(IReadOnlyCollection<Guid> videoIds, string version)
    {
        await using var connection = new NpgsqlConnection(stack.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("""
            SELECT r.clip_id, count(*) FROM clip_results r JOIN clips c ON c.id = r.clip_id JOIN model_versions m ON m.id = r.model_version_id
            WHERE c.video_id = ANY(@videos) AND m.name = @version GROUP BY r.clip_id
            """, connection);
        command.Parameters.AddWithValue("videos", videoIds.ToArray());
        command.Parameters.AddWithValue("version", version);
        await using var reader = await command.ExecuteReaderAsync();
        var counts = new Dictionary<Guid, long>();
        while (await reader.ReadAsync()) counts[reader.GetGuid(0)] = reader.GetInt64(1);
        return counts;
    }

    /// <summary>When each clip's result under the version was stored.</summary>
    public async Task<List<(Guid ClipId, DateTimeOffset At)>> StoredAtAsync(IReadOnlyCollection<Guid> videoIds, string version)
    {
        await using var connection = new NpgsqlConnection(stack.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("""
            SELECT r.clip_id, r.created_at FROM clip_results r JOIN clips c ON c.id = r.clip_id JOIN model_versions m ON m.id = r.model_version_id
            WHERE c.video_id = ANY(@videos) AND m.name = @version
            """, connection);
        command.Parameters.AddWithValue("videos", videoIds.ToArray());
        command.Parameters.AddWithValue("version", version);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<(Guid, DateTimeOffset)>();
        while (await reader.ReadAsync()) rows.Add((reader.GetGuid(0), reader.GetFieldValue<DateTimeOffset>(1)));
        return rows;
    }

    private async Task<List<T>> ScalarsAsync<T>(string sql, object parameter)
    {
        await using var connection = new NpgsqlConnection(stack.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddWithValue("p", parameter);
        await using var reader = await command.ExecuteReaderAsync();
        var values = new List<T>();
        while (await reader.ReadAsync()) values.Add(reader.GetFieldValue<T>(0));
        return values;
    }
}
