using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Extensions.FileProviders;
using VideoCoca.Gateway.Web.Components;

namespace VideoCoca.Gateway.Web;

/// <summary>
/// The web interface under /ui: Razor components rendered on the server (static rendering: plain HTML and forms), a
/// few JavaScript modules for what a page must do live (upload progress, the events stream, seeking the player,
/// reviewing flags), served by the gateway on the API's own origin.
/// </summary>
public static class WebInterfaceExtensions
{
    /// <summary>Where the interface's scripts and styles are served from (embedded in the gateway's assembly).</summary>
    public const string AssetsPath = "/ui/assets";

    public static IServiceCollection AddWebInterface(this IServiceCollection services)
    {
        services.AddRazorComponents();
        services.AddHttpContextAccessor();
        services.AddScoped<UiSession>();
        services.AddHttpClient<PlatformApi>(client => client.Timeout = TimeSpan.FromMinutes(2));
        return services;
    }

    public static WebApplication MapWebInterface(this WebApplication app)
    {
        // Embedded rather than wwwroot: the hosts run from their build output, where a project's wwwroot is not copied.
        var assets = new EmbeddedFileProvider(typeof(WebInterfaceExtensions).Assembly, "VideoCoca.Gateway.Web.wwwroot");
        var contentTypes = new FileExtensionContentTypeProvider();
        contentTypes.Mappings[".js"] = "text/javascript";
        app.UseStaticFiles(new StaticFileOptions { FileProvider = assets, RequestPath = AssetsPath, ContentTypeProvider = contentTypes });
        app.UseAntiforgery();
        app.MapGet("/", () => Results.Redirect("/ui/videos")).ExcludeFromDescription();
        app.MapSignInEndpoints();
        app.MapRazorComponents<App>();
        return app;
    }
}
