using Pgvector;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using VideoState = VideoCoca.Contracts.Api.VideoState;
using VideoCoca.Migrator.Orleans;
using VideoCoca.Persistence;
using VideoCoca.Persistence.Entities;
using VideoCoca.Persistence.Hosting;
using VideoCoca.Platform.Tests.Infrastructure;

namespace VideoCoca.Platform.Tests.Persistence;

[Collection(StackCollection.Name)]
public sealed class ResultsSchemaTests(PrivateStackFixture own) : IClassFixture<PrivateStackFixture>
{
    // A database of its own: the model versions seeded here must not be seen by the end-to-end tests, which expect one.
    private readonly StackFixture stack = own.Stack;

    private ResultsDbContext NewContext() => new(ResultsDbContextOptions.Create(stack.ConnectionString));

    [Fact]
    public async Task EveryMigrationIsAppliedAndTheModelHasNoPendingChanges()
    {
        await using var context = NewContext();
        var all = context.Database.GetMigrations().ToList();
        var applied = (await context.Database.GetAppliedMigrationsAsync()).ToList();

        Assert.NotEmpty(all);
        Assert.Equal(all, applied);
        Assert.Empty(await context.Database.GetPendingMigrationsAsync());
        Assert.False(context.Database.HasPendingModelChanges(), "The model differs from the last migration: add one with dotnet ef.");
    }

    [Fact]
    public async Task TheResultsAndOrleansTablesExist()
    {
        var tables = await QueryListAsync("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'");

        string[] expected =
        [
            "videos", "clips", "model_versions", "clip_results", "clip_labels", "clip_answers", "ef_migrations_history",
            "watchlists", "watchlist_rules", "watchlist_rule_embeddings", "flags",
            "webhooks", "webhook_events", "webhook_deliveries", "webhook_attempts",
            "orleansquery", "orleans_membership_version", "orleans_membership", "orleans_storage", "orleans_reminders",
        ];
        Assert.All(expected, table => Assert.Contains(table, tables));
    }

    [Fact]
    public async Task TheEmbeddingIsAPgvectorColumnOfAnyDimension()
    {
        var types = await QueryListAsync(
            "SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'clip_results'::regclass AND attname = 'embedding'");

        Assert.Equal(["vector"], types);
    }

    [Fact]
    public async Task EveryOrleansQueryIsStored()
    {
        var keys = await QueryListAsync("SELECT querykey FROM orleansquery");

        Assert.All(OrleansSchema.RequiredQueryKeys, key => Assert.Contains(key, keys));
    }

    [Fact]
    public async Task ASecondResultForTheSameClipAndModelVersionIsRejected()
    {
        var (clip, model) = await SeedClipAsync();
        await using (var context = NewContext())
        {
            context.ClipResults.Add(NewResult(clip, model, "a red square moves left"));
            await context.SaveChangesAsync();
        }

        await using (var context = NewContext())
        {
            context.ClipResults.Add(NewResult(clip, model, "a different caption"));
            var error = await Assert.ThrowsAsync<DbUpdateException>(() => context.SaveChangesAsync());
            var postgres = Assert.IsType<PostgresException>(error.InnerException);
            Assert.Equal(PostgresErrorCodes.UniqueViolation, postgres.SqlState);
        }

        await using (var context = NewContext())
        {
            var stored = await context.ClipResults.SingleAsync(r => r.ClipId == clip.Id);
            Assert.Equal("a red square moves left", stored.Caption);
            Assert.Equal([0.6f, 0.8f], stored.Embedding.ToArray());
        }
    }

    [Fact]
    public async Task DeletingAVideoDeletesItsClipsResultsLabelsAndAnswers()
    {
        var (clip, model) = await SeedClipAsync();
        await using (var context = NewContext())
        {
            var result = NewResult(clip, model, "a blue square stays still");
            result.Labels.Add(new ClipLabel { Label = "staying still", Confidence = 0.9, Rank = 0 });
            result.Answers.Add(new ClipAnswer { Question = "what colour is the square?", Answer = "blue" });
            context.ClipResults.Add(result);
            await context.SaveChangesAsync();
        }

        await using (var context = NewContext())
        {
            Assert.Equal(1, await context.Videos.Where(v => v.Id == clip.VideoId).ExecuteDeleteAsync());
        }

        await using (var context = NewContext())
        {
            Assert.False(await context.Clips.AnyAsync(c => c.Id == clip.Id));
            Assert.False(await context.ClipResults.AnyAsync(r => r.ClipId == clip.Id));
            Assert.False(await context.ClipLabels.AnyAsync(l => l.ClipId == clip.Id));
            Assert.False(await context.ClipAnswers.AnyAsync(a => a.ClipId == clip.Id));
            Assert.True(await context.ModelVersions.AnyAsync(m => m.Id == model.Id), "Model versions outlive the videos.");
        }
    }

    [Fact]
    public async Task VideoStatesAreStoredInSnakeCase()
    {
        var (clip, _) = await SeedClipAsync(VideoState.CompletedWithErrors);

        var states = await QueryListAsync($"SELECT state FROM videos WHERE id = '{clip.VideoId}'");
        Assert.Equal(["completed_with_errors"], states);
        await using var context = NewContext();
        Assert.Equal(VideoState.CompletedWithErrors, (await context.Videos.SingleAsync(v => v.Id == clip.VideoId)).State);
    }

    [Fact]
    public async Task RunningTheMigratorAgainChangesNothing()
    {
        var before = await QueryListAsync("SELECT \"MigrationId\" FROM ef_migrations_history ORDER BY 1");

        Assert.Equal(0, await stack.RunMigratorAsync());

        Assert.Equal(before, await QueryListAsync("SELECT \"MigrationId\" FROM ef_migrations_history ORDER BY 1"));
    }

    [Fact]
    public async Task MigratorsRunningAtOnceWaitForEachOther()
    {
        var runs = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => Task.Run(stack.RunMigratorAsync)));

        Assert.All(runs, exitCode => Assert.Equal(0, exitCode));
    }

    private static ClipResult NewResult(Clip clip, ModelVersion model, string caption) => new()
    {
        ClipId = clip.Id,
        ModelVersionId = model.Id,
        Caption = caption,
        Embedding = new Vector(new[] { 0.6f, 0.8f }),
        CreatedAt = DateTimeOffset.UtcNow,
    };

    private async Task<(Clip Clip, ModelVersion Model)> SeedClipAsync(VideoState state = VideoState.Analysing)
    {
        var now = DateTimeOffset.UtcNow;
        var video = new Video
        {
            Id = Guid.NewGuid(),
            TenantId = Tenant.DefaultId,
            FileName = "squares.mp4",
            BlobPath = "videos/squares.mp4",
            SizeBytes = 12345,
            DurationSeconds = 4,
            State = state,
            ClipLengthSeconds = 2,
            FramesPerClip = 8,
            QuestionsJson = """["what colour is the square?"]""",
            CreatedAt = now,
            UpdatedAt = now,
            ClipsTotal = 2,
        };
        var clip = new Clip { Id = Guid.NewGuid(), Index = 0, StartSeconds = 0, EndSeconds = 2, State = ClipState.Queued };
        video.Clips.Add(clip);
        var model = new ModelVersion { Name = $"world-tiny-{Guid.NewGuid():N}", Checksum = "sha256:00", CreatedAt = now };
        await using var context = NewContext();
        context.Videos.Add(video);
        context.ModelVersions.Add(model);
        await context.SaveChangesAsync();
        return (clip, model);
    }

    private async Task<List<string>> QueryListAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(stack.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var values = new List<string>();
        while (await reader.ReadAsync())
        {
            values.Add(Convert.ToString(reader.GetValue(0), System.Globalization.CultureInfo.InvariantCulture)!);
        }
        return values;
    }
}
