using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Moderation.Ingest.Extensions;

/// <summary>Describes the API-key bearer scheme so the interactive reference can send a key.</summary>
internal sealed class SecuritySchemeTransformer : IOpenApiDocumentTransformer
{
    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes["ApiKey"] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            Description = "An API key (mod_…) created with `keys create` or POST /admin/keys.",
        };
        document.Security ??= [];
        document.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference("ApiKey", document)] = [] });
        document.Info.Description = "Front door of the moderation cluster: uploads, URL submissions and upload hooks. Errors are RFC 9457 problem details.";
        return Task.CompletedTask;
    }
}
