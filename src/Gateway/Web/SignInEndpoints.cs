namespace VideoCoca.Gateway.Web;

/// <summary>
/// <c>POST /ui/sign-in</c> (form field <c>key</c>) keeps the API key in the HttpOnly cookie <c>vcp_key</c>, which the
/// gateway's API accepts as it does a bearer token: the browser then sends it with every request of the interface,
/// EventSource included (which cannot send headers), and no script can read it. <c>POST /ui/sign-out</c> removes it.
/// </summary>
public static class SignInEndpoints
{
    public const string KeyCookie = "vcp_key";

    public static void MapSignInEndpoints(this IEndpointRouteBuilder routes)
    {
        // Razor component pages also take POSTs (their forms) on their own route: the sign-in page's route would match a
        // POST /ui/sign-in as well, so this endpoint goes first.
        routes.MapPost("/ui/sign-in", SignInAsync).DisableAntiforgery().ExcludeFromDescription().WithOrder(-1);
        routes.MapPost("/ui/sign-out", SignOut).DisableAntiforgery().ExcludeFromDescription().WithOrder(-1);
    }

    private static async Task<IResult> SignInAsync(HttpContext context, PlatformApi api)
    {
        var form = context.Request.HasFormContentType ? await context.Request.ReadFormAsync(context.RequestAborted) : null;
        var key = form?["key"].ToString().Trim();
        if (string.IsNullOrEmpty(key))
        {
            return Results.Redirect("/ui/sign-in?error=missing");
        }
        // The key is checked before it is kept, so that a mistyped key says so here rather than on the next page.
        context.Request.Headers.Cookie = $"{KeyCookie}={Uri.EscapeDataString(key)}";
        var identity = await api.GetIdentityAsync(context.RequestAborted);
        if (!identity.SignedIn)
        {
            return Results.Redirect("/ui/sign-in?error=refused");
        }
        context.Response.Cookies.Append(KeyCookie, key, CookieOptions(context));
        var returnUrl = form?["return_url"].ToString();
        return Results.Redirect(IsLocal(returnUrl) ? returnUrl! : "/ui/videos");
    }

    private static IResult SignOut(HttpContext context)
    {
        context.Response.Cookies.Delete(KeyCookie, CookieOptions(context));
        return Results.Redirect("/ui/sign-in");
    }

    private static CookieOptions CookieOptions(HttpContext context) => new()
    {
        HttpOnly = true,
        SameSite = SameSiteMode.Strict,
        Path = "/",
        Secure = context.Request.IsHttps,
        IsEssential = true,
    };

    /// <summary>Only paths of this site: a return address must not send the user elsewhere.</summary>
    private static bool IsLocal(string? url) =>
        !string.IsNullOrEmpty(url) && url.StartsWith('/') && !url.StartsWith("//", StringComparison.Ordinal) && !url.StartsWith("/\\", StringComparison.Ordinal);
}
