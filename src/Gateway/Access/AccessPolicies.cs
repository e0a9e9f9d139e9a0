using System.Security.Claims;
using Microsoft.AspNetCore.Authorization;
using VideoCoca.Persistence.Access;

namespace VideoCoca.Gateway.Access;

/// <summary>
/// One authorization policy per role, named after it: a policy admits its role and every role above it
/// (viewer &lt; reviewer &lt; editor &lt; admin). Endpoints name the lowest role that may call them.
/// </summary>
public static class AccessPolicies
{
    /// <summary>Read, search, ask.</summary>
    public const string Viewer = ApiKeyRoles.Viewer;

    /// <summary>Review flags, and what a viewer does.</summary>
    public const string Reviewer = ApiKeyRoles.Reviewer;

    /// <summary>Upload, delete, watchlists, webhooks, and what a reviewer does.</summary>
    public const string Editor = ApiKeyRoles.Editor;

    /// <summary>Everything: the tenant's keys, and the platform's models and campaigns.</summary>
    public const string Admin = ApiKeyRoles.Admin;

    public static AuthorizationBuilder AddAccessPolicies(this AuthorizationBuilder authorization)
    {
        foreach (var role in ApiKeyRoles.Ordered)
        {
            authorization.AddPolicy(role, policy => policy
                .AddAuthenticationSchemes(ApiKeyAuthenticationHandler.SchemeName)
                .RequireAuthenticatedUser()
                .RequireAssertion(context => context.User.FindFirstValue(ClaimTypes.Role) is { } held && ApiKeyRoles.Includes(held, role)));
        }
        return authorization;
    }
}
