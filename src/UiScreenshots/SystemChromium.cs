using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace VideoCoca.UiScreenshots;

/// <summary>
/// Debian's chromium, driven by Playwright: Playwright's own browser download is not reachable from every machine, so
/// the system browser is launched by its path and nothing is ever downloaded. <c>VCP_CHROMIUM</c> names another one.
/// </summary>
public static partial class SystemChromium
{
    public const string DefaultPath = "/usr/bin/chromium";

    public static string ExecutablePath =>
        Environment.GetEnvironmentVariable("VCP_CHROMIUM") is { Length: > 0 } configured ? configured : DefaultPath;

    /// <summary>Starts chromium headless; a missing browser is an error that says how to install it, never a skip.</summary>
    public static async Task<(IPlaywright Playwright, IBrowser Browser)> LaunchAsync()
    {
        var path = ExecutablePath;
        if (!File.Exists(path))
        {
            throw new FileNotFoundException(
                $"chromium is not installed at {path}: run scripts/setup.sh (it installs Debian's chromium), or set VCP_CHROMIUM to a Chromium executable.", path);
        }
        var playwright = await Playwright.CreateAsync();
        try
        {
            var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = path,
                Headless = true,
                // Containers give chromium no user namespaces for its sandbox, and a small /dev/shm.
                Args = ["--no-sandbox", "--disable-dev-shm-usage"],
            });
            return (playwright, browser);
        }
        catch
        {
            playwright.Dispose();
            throw;
        }
    }

    /// <summary>A browser context of 1280x800 signed in with <paramref name="key"/> through the sign-in page, as a user signs in.</summary>
    public static async Task<IBrowserContext> SignedInContextAsync(IBrowser browser, Uri baseUrl, string key)
    {
        var context = await browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = baseUrl.ToString(),
            ViewportSize = new ViewportSize { Width = 1280, Height = 800 },
        });
        var page = await context.NewPageAsync();
        await page.GotoAsync("/ui/sign-in");
        await page.FillAsync("#key", key);
        await page.ClickAsync("button[type=submit]");
        // Signed in lands on the videos list; a refused key comes back to the sign-in page with error=.
        await page.WaitForArrivalAsync(SignedInOrRefused());
        if (!page.Url.Contains("/ui/videos", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"signing in at {baseUrl} failed ({page.Url}): {await page.InnerTextAsync("main")}");
        }
        await page.CloseAsync();
        return context;
    }

    [GeneratedRegex("/ui/videos|[?&]error=")]
    private static partial Regex SignedInOrRefused();
}
