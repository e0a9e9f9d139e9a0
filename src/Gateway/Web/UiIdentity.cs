namespace VideoCoca.Gateway.Web;

/// <summary>The roles of the API's keys, lowest first: each passes the checks of those below it.</summary>
public enum UiRole
{
    None,
    Viewer,
    Reviewer,
    Editor,
    Admin,
}

public static class UiRoles
{
    public static UiRole Parse(string? role) => role?.ToLowerInvariant() switch
    {
        "viewer" => UiRole.Viewer,
        "reviewer" => UiRole.Reviewer,
        "editor" => UiRole.Editor,
        "admin" => UiRole.Admin,
        _ => UiRole.None,
    };
}

/// <summary>Who is using the interface: signed in or not, the key's tenant and role. Pages show only what the role may do.</summary>
public sealed record UiIdentity(bool SignedIn, string? Tenant, UiRole Role)
{
    public static readonly UiIdentity Anonymous = new(false, null, UiRole.None);

    /// <summary>Upload and delete videos.</summary>
    public bool CanUpload => Role >= UiRole.Editor;

    /// <summary>Confirm or dismiss flags.</summary>
    public bool CanReview => Role >= UiRole.Reviewer;

    /// <summary>Activate models, control campaigns.</summary>
    public bool CanAdminister => Role >= UiRole.Admin;
}
