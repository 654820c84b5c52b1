using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;

namespace Moderation.Auth;

/// <summary>
/// The RFC 9457 problems every service answers when a caller is not let in, with a stable <c>type</c> per reason
/// (listed in docs/integration.md), so clients branch on the type rather than on prose.
/// </summary>
public static class AuthProblems
{
    public const string MissingApiKey = "urn:moderation:problem:missing-api-key";
    public const string InvalidApiKey = "urn:moderation:problem:invalid-api-key";
    public const string InsufficientScope = "urn:moderation:problem:insufficient-scope";
    public const string AuthenticationUnavailable = "urn:moderation:problem:authentication-unavailable";

    /// <summary>Writes a problem outside an endpoint (authentication handlers, the authorization middleware).</summary>
    internal static Task WriteAsync(HttpContext context, int status, string type, string title, string detail,
        IDictionary<string, object?>? extensions = null)
    {
        var problem = new ProblemDetails { Status = status, Type = type, Title = title, Detail = detail };
        foreach (var (key, value) in extensions ?? new Dictionary<string, object?>())
        {
            problem.Extensions[key] = value;
        }

        context.Response.StatusCode = status;
        return context.RequestServices.GetRequiredService<IProblemDetailsService>()
            .WriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = problem }).AsTask();
    }
}
