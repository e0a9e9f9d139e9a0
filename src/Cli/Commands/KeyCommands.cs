using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using VideoCoca.Cli.Console;
using VideoCoca.Cli.Platform;
using VideoCoca.Persistence;
using VideoCoca.Persistence.Access;
using VideoCoca.Persistence.Hosting;

namespace VideoCoca.Cli.Commands;

/// <summary>
/// <c>vcp keys</c>: the operator's API keys, straight in the database (no gateway and no key needed): how the first
/// key of a tenant comes to exist.
/// </summary>
public static class KeyCommands
{
    private static readonly Option<string?> PostgresOption = new("--postgres")
    {
        Description = "the platform's database (an Npgsql connection string; default VCP_POSTGRES, else the local stack's)",
    };

    private static readonly Option<bool> JsonOption = new("--json") { Description = "print JSON" };

    public static Command Create()
    {
        var keys = new Command("keys", "API keys of tenants, in the database: create (with the tenant when new), list, revoke");
        keys.Subcommands.Add(CreateKey());
        keys.Subcommands.Add(List());
        keys.Subcommands.Add(Revoke());
        return keys;
    }

    private static Command CreateKey()
    {
        var tenant = new Option<string>("--tenant") { Description = "the tenant's name (made when it does not exist yet)", Required = true };
        var role = new Option<string>("--role") { Description = $"one of {string.Join(", ", ApiKeyRoles.Ordered)}", Required = true };
        var name = new Option<string?>("--name") { Description = "what the key is for (default: the role)" };
        var perMinute = new Option<int?>("--requests-per-minute") { Description = "this key's rate limit (default: the gateway's Access:RequestsPerMinute)" };
        var command = new Command("create", "make a key; the key itself is printed once, alone on the last line")
        {
            tenant, role, name, perMinute, PostgresOption,
        };
        command.SetGuardedAction(async (parse, cancellationToken) =>
        {
            var tenantName = parse.GetValue(tenant)!.Trim();
            var roleName = parse.GetValue(role)!.Trim().ToLowerInvariant();
            var keyName = parse.GetValue(name)?.Trim() is { Length: > 0 } given ? given : roleName;
            if (tenantName.Length is 0 or > 100) throw new UserInputException("--tenant must be 1 to 100 characters");
            if (!ApiKeyRoles.IsKnown(roleName)) throw new UserInputException($"--role must be one of {string.Join(", ", ApiKeyRoles.Ordered)}");
            if (keyName.Length > 200) throw new UserInputException("--name must be at most 200 characters");
            if (parse.GetValue(perMinute) is < 1) throw new UserInputException("--requests-per-minute must be at least 1");
            await using var db = await OpenAsync(parse, cancellationToken);
            var created = await ApiKeyStore.CreateAsync(db, tenantName, roleName, keyName, createTenant: true, DateTimeOffset.UtcNow,
                parse.GetValue(perMinute), cancellationToken);
            System.Console.WriteLine($"made key {created.Info.Id} ({created.Info.Prefix}): {created.Info.Role} of tenant {created.Info.Tenant}; it is shown only now");
            System.Console.WriteLine(created.Key);
            return 0;
        });
        return command;
    }

    private static Command List()
    {
        var command = new Command("list", "every tenant's keys, newest first (never their secrets)") { PostgresOption, JsonOption };
        command.SetGuardedAction(async (parse, cancellationToken) =>
        {
            await using var db = await OpenAsync(parse, cancellationToken);
            var keys = await ApiKeyStore.ListAsync(db, tenantId: null, cancellationToken);
            if (parse.GetValue(JsonOption))
            {
                System.Console.WriteLine(JsonSerializer.Serialize(keys, new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower }));
                return 0;
            }
            MarkdownTable.Print(["id", "prefix", "tenant", "role", "name", "created", "last used", "revoked", ">per minute"],
                keys.Select(k => (IReadOnlyList<string>)
                [
                    k.Id.ToString(), k.Prefix, k.Tenant, k.Role, k.Name, When(k.CreatedAt), When(k.LastUsedAt), When(k.RevokedAt),
                    k.RequestsPerMinute?.ToString(CultureInfo.InvariantCulture) ?? "default",
                ]));
            return 0;
        });
        return command;
    }

    private static Command Revoke()
    {
        var key = new Argument<string>("key") { Description = "the key's id or prefix" };
        var command = new Command("revoke", "revoke a key: the gateway refuses it from the next request on") { key, PostgresOption };
        command.SetGuardedAction(async (parse, cancellationToken) =>
        {
            var which = parse.GetValue(key)!.Trim();
            await using var db = await OpenAsync(parse, cancellationToken);
            var revoked = await ApiKeyStore.RevokeAsync(db, which, tenantId: null, DateTimeOffset.UtcNow, cancellationToken)
                ?? throw new UserInputException($"there is no key with the id or prefix '{which}'");
            System.Console.WriteLine($"revoked key {revoked.Id} ({revoked.Prefix}, {revoked.Role} of tenant {revoked.Tenant}) at {When(revoked.RevokedAt)}");
            return 0;
        });
        return command;
    }

    private static async Task<ResultsDbContext> OpenAsync(ParseResult parse, CancellationToken cancellationToken) =>
        new(ResultsDbContextOptions.Create(parse.GetValue(PostgresOption) is { Length: > 0 } given ? given : await LocalApiKey.StackPostgresAsync(cancellationToken)));

    private static string When(DateTimeOffset? at) => at?.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture) ?? "-";
}
