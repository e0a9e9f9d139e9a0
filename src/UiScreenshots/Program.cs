using VideoCoca.UiScreenshots;

// vcp-ui-screenshots [--url http://127.0.0.1:5080] [--key KEY] [--out docs/ui]; the key defaults to VCP_API_KEY.
var options = new Dictionary<string, string>(StringComparer.Ordinal);
for (var i = 0; i < args.Length; i++)
{
    if (args[i] is "--url" or "--key" or "--out" && i + 1 < args.Length)
    {
        options[args[i]] = args[++i];
    }
    else
    {
        Console.Error.WriteLine($"unknown argument '{args[i]}'; usage: vcp-ui-screenshots [--url URL] [--key KEY] [--out FOLDER]");
        return 2;
    }
}
var url = new Uri(options.GetValueOrDefault("--url") ?? Environment.GetEnvironmentVariable("VCP_URL") ?? "http://127.0.0.1:5080");
var key = options.GetValueOrDefault("--key") ?? Environment.GetEnvironmentVariable("VCP_API_KEY");
if (string.IsNullOrWhiteSpace(key))
{
    Console.Error.WriteLine("no API key: pass --key or set VCP_API_KEY (an admin key shows every page's actions)");
    return 2;
}
var written = await PageScreenshots.TakeAsync(url, key, options.GetValueOrDefault("--out") ?? Path.Combine("docs", "ui"), Console.Out);
Console.WriteLine($"{written.Count} screenshots");
return 0;
