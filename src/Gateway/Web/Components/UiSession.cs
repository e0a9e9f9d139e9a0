namespace VideoCoca.Gateway.Web.Components;

/// <summary>The request's identity, asked of the API once however many components want it (the layout and the page).</summary>
public sealed class UiSession(PlatformApi api)
{
    private Task<UiIdentity>? _identity;

    public Task<UiIdentity> IdentityAsync() => _identity ??= api.GetIdentityAsync();
}
