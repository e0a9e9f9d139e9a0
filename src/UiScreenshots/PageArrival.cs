using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace VideoCoca.UiScreenshots;

/// <summary>
/// Waits for a page to arrive at an address after a click, judged inside the browser's driver. Playwright's .NET
/// <c>WaitForURLAsync</c> and <c>WaitForLoadStateAsync</c> first look at the load states the client has already seen and
/// then subscribe to the next one: a "load" that arrives between the two is missed and the wait runs to its timeout (CI
/// failed that way at sign-in, with the page long loaded). The driver's URL expectation and a readyState poll have no
/// such gap.
/// </summary>
public static class PageArrival
{
    public const float DefaultTimeoutMs = 30_000;

    /// <summary>Returns once the page's address matches <paramref name="url"/> and that document has finished loading.</summary>
    public static async Task WaitForArrivalAsync(this IPage page, Regex url, float timeoutMs = DefaultTimeoutMs)
    {
        await Assertions.Expect(page).ToHaveURLAsync(url, new PageAssertionsToHaveURLOptions { Timeout = timeoutMs });
        await page.WaitForFunctionAsync("() => document.readyState === 'complete'", null, new PageWaitForFunctionOptions { Timeout = timeoutMs });
    }
}
