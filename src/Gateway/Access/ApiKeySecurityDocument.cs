using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace VideoCoca.Gateway.Access;

/// <summary>
/// Declares the API key in the OpenAPI document (an HTTP bearer scheme) and requires it on every /api operation, so that a
/// generated client sends <c>Authorization: Bearer</c> and a reader sees which calls need a key. Health, /metrics and the
/// web pages stay without one, as they are served.
/// </summary>
internal sealed class ApiKeySecurityDocument : IOpenApiDocumentTransformer
{
    public const string SchemeId = "api_key";

    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes[SchemeId] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            Description = "An API key (vcp keys create, or POST /api/keys): its role (viewer, reviewer, editor, admin) decides " +
                "what it may call, and everything it reads is its tenant's.",
        };
        var requirement = new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(SchemeId, document)] = [] };
        foreach (var (path, item) in document.Paths)
        {
            if (!path.StartsWith("/api/", StringComparison.Ordinal) || item.Operations is null) continue;
            foreach (var operation in item.Operations.Values)
            {
                operation.Security ??= [];
                operation.Security.Add(requirement);
            }
        }
        return Task.CompletedTask;
    }
}
