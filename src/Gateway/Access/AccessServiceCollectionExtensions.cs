using Microsoft.AspNetCore.Authentication;

namespace VideoCoca.Gateway.Access;

public static class AccessServiceCollectionExtensions
{
    /// <summary>
    /// API keys as the default authentication scheme (every route, web pages included, sees the caller), the role
    /// policies, per-key rate limits, and the Access section.
    /// </summary>
    public static IServiceCollection AddAccess(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<AccessOptions>().Bind(configuration.GetSection(AccessOptions.SectionName))
            .Validate(o => o.RequestsPerMinute >= 1, "Access:RequestsPerMinute must be at least 1")
            .Validate(o => o.LastUsedResolution >= TimeSpan.Zero, "Access:LastUsedResolution must not be negative")
            .ValidateOnStart();
        services.AddAuthentication(ApiKeyAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
        services.AddAuthorizationBuilder().AddAccessPolicies();
        services.AddKeyRateLimits();
        return services;
    }

    /// <summary>Authentication, authorization and rate limiting, in that order: a request is counted against its key only once admitted.</summary>
    public static WebApplication UseAccess(this WebApplication app)
    {
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter();
        return app;
    }

    /// <summary>
    /// The group every /api endpoint is mapped in: at least a viewer's key, counted against the key's rate limit.
    /// Endpoints that need more add their own policy (policies add up: viewer and editor is editor).
    /// </summary>
    public static RouteGroupBuilder MapApiGroup(this IEndpointRouteBuilder routes) =>
        routes.MapGroup("").RequireAuthorization(AccessPolicies.Viewer).RequireRateLimiting(KeyRateLimits.PolicyName);
}
