using VideoCoca.Persistence;
using VideoCoca.Persistence.Access;
using VideoCoca.Persistence.Entities;
using VideoCoca.Persistence.Hosting;

namespace VideoCoca.Cli.Platform;

/// <summary>
/// The key the CLI calls the gateway with: <c>VCP_API_KEY</c>, else the admin key of the default tenant that the local
/// stack made for itself (<c>vcp up</c>, <c>vcp demo</c>) and keeps in <c>$VCP_HOME/api-key</c>, readable by its owner only.
/// </summary>
public static class LocalApiKey
{
    public const string EnvironmentVariable = "VCP_API_KEY";

    public const string KeyName = "local stack";

    /// <summary>
    /// The local stack's key's own rate limit: the machine's operator and its benchmarks (a search bench sends queries
    /// back to back) should not meet the limit meant for shared keys (Access:RequestsPerMinute).
    /// </summary>
    public const int RequestsPerMinute = 60_000;

    /// <summary>$VCP_HOME/api-key, else the repository's .vcp/api-key.</summary>
    public static string FilePath()
    {
        var home = Environment.GetEnvironmentVariable("VCP_HOME");
        return Path.Combine(string.IsNullOrWhiteSpace(home) ? Path.Combine(Commands.PlatformCommands.RepositoryRoot(), ".vcp") : home, "api-key");
    }

    /// <summary>VCP_API_KEY, else the local stack's key file; null when there is neither.</summary>
    public static string? Resolve()
    {
        var fromEnvironment = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
        {
            return fromEnvironment.Trim();
        }
        try
        {
            var path = FilePath();
            return File.Exists(path) ? File.ReadAllText(path).Trim() is { Length: > 0 } key ? key : null : null;
        }
        catch (UserInputException)
        {
            return null; // No repository and no VCP_HOME: no key file either.
        }
    }

    /// <summary>
    /// The platform's database: VCP_POSTGRES, else what scripts/stack.sh says of the local stack (its port and password
    /// follow VCP_PG_PORT and VCP_PG_PASSWORD), else the stack's default.
    /// </summary>
    public static async Task<string> StackPostgresAsync(CancellationToken cancellationToken)
    {
        if (Environment.GetEnvironmentVariable(PostgresOptions.EnvironmentVariable) is { Length: > 0 } configured)
        {
            return configured;
        }
        var script = Path.Combine(Commands.PlatformCommands.RepositoryRoot(), "scripts", "stack.sh");
        using var process = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("bash", [script, "env"])
        {
            RedirectStandardOutput = true, RedirectStandardError = true,
        })!;
        var output = await process.StandardOutput.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        var line = output.Split('\n').FirstOrDefault(l => l.StartsWith(PostgresOptions.EnvironmentVariable + "=", StringComparison.Ordinal));
        return process.ExitCode == 0 && line is not null
            ? line[(PostgresOptions.EnvironmentVariable.Length + 1)..].Trim().Trim('\'')
            : PostgresOptions.DefaultConnectionString;
    }

    /// <summary>
    /// Makes the local stack's admin key when the key file is missing or names a key the database does not accept (a
    /// database made anew), and writes it with mode 600. Call it once the migrator has run.
    /// </summary>
    public static async Task EnsureAsync(CancellationToken cancellationToken)
    {
        var path = FilePath();
        await using var db = new ResultsDbContext(ResultsDbContextOptions.Create(await StackPostgresAsync(cancellationToken)));
        if (File.Exists(path) && await ApiKeyStore.AuthenticateAsync(db, (await File.ReadAllTextAsync(path, cancellationToken)).Trim(), cancellationToken) is not null)
        {
            return;
        }
        var created = await ApiKeyStore.CreateAsync(db, Tenant.DefaultName, ApiKeyRoles.Admin, KeyName, createTenant: true, DateTimeOffset.UtcNow,
            RequestsPerMinute, cancellationToken);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        // Created with mode 600 before the secret is written, so it is never readable by others.
        var temporary = path + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }
        await using (var file = new FileStream(temporary, options))
        await using (var writer = new StreamWriter(file))
        {
            await writer.WriteLineAsync(created.Key.AsMemory(), cancellationToken);
        }
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        File.Move(temporary, path, overwrite: true);
        System.Console.Error.WriteLine($"[vcp] made the local stack's admin key ({created.Info.Prefix}) in {path}");
    }
}

/// <summary>Puts <c>Authorization: Bearer</c> on every request to the gateway, with the key given or else <see cref="LocalApiKey.Resolve"/> at send time.</summary>
internal sealed class ApiKeyHandler(string? apiKey) : DelegatingHandler(new HttpClientHandler())
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (request.Headers.Authorization is null && (apiKey ?? LocalApiKey.Resolve()) is { } key)
        {
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
        }
        return base.SendAsync(request, cancellationToken);
    }
}
