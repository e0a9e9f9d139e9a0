using Microsoft.AspNetCore.Components;

namespace VideoCoca.Gateway.Web.Components;

/// <summary>
/// A page of the interface: it needs a signed-in key (else it sends the browser to the sign-in page and back), knows
/// the key's role, and shows what the API refused as a message rather than an error page.
/// </summary>
public abstract class UiPage : ComponentBase
{
    [Inject] protected PlatformApi Api { get; set; } = null!;

    [Inject] protected UiSession Session { get; set; } = null!;

    [Inject] protected NavigationManager Navigation { get; set; } = null!;

    protected UiIdentity Identity { get; private set; } = UiIdentity.Anonymous;

    /// <summary>What the API answered instead of the page's data, if it did.</summary>
    protected string? Error { get; private set; }

    protected sealed override async Task OnInitializedAsync()
    {
        Identity = await Session.IdentityAsync();
        if (!Identity.SignedIn)
        {
            var here = "/" + Navigation.ToBaseRelativePath(Navigation.Uri);
            Navigation.NavigateTo($"/ui/sign-in?return_url={Uri.EscapeDataString(here)}");
            return;
        }
        try
        {
            await LoadAsync();
        }
        catch (PlatformApiException e)
        {
            Error = e.Message;
        }
    }

    /// <summary>Reads the page's data through <see cref="Api"/>.</summary>
    protected abstract Task LoadAsync();
}
