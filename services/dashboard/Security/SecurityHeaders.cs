using System.Net;
using Microsoft.AspNetCore.Authentication;
using Moderation.Dashboard.Auth;
using Moderation.Dashboard.Results;

namespace Moderation.Dashboard.Security;

public static class SecurityHeaders
{
    /// <summary>
    /// Everything is served from this origin and no script or style is inline, so the policy can be strict: an injected
    /// script tag or attribute in a page (say, an external id shown in a list) cannot run.
    /// </summary>
    public const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; font-src 'self'; " +
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app) => app.Use((context, next) =>
    {
        var headers = context.Response.Headers;
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "no-referrer";
        headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), payment=(), usb=()";
        headers["Cross-Origin-Opener-Policy"] = "same-origin";
        headers["Cross-Origin-Resource-Policy"] = "same-origin";
        return next(context);
    });

    /// <summary>
    /// A revoked key ends the session and a missing scope shows the access-denied page; other failures of the results
    /// service go on to the exception handler, which shows the error page with the reason.
    /// </summary>
    public static IApplicationBuilder UseResultsRefusals(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        try
        {
            await next(context);
        }
        catch (ResultsApiException e) when (!context.Response.HasStarted && e.Status is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
        {
            if (e.Status == HttpStatusCode.Unauthorized)
            {
                context.RequestServices.GetRequiredService<ILogger<ResultsClient>>()
                    .LogInformation("Results refused the API key of {Reviewer}; signing out", context.User.ReviewerName());
                await context.SignOutAsync(DashboardAuthentication.Scheme);
                context.Response.Redirect("/SignIn?expired=1");
            }
            else
            {
                context.Response.Redirect("/Denied");
            }
        }
    });

    /// <summary>The status the error page answers with: 503 while results is unreachable, 502 when it failed, else 500.</summary>
    public static int StatusFor(Exception exception) => exception switch
    {
        ResultsApiException { Status: HttpStatusCode.ServiceUnavailable } => StatusCodes.Status503ServiceUnavailable,
        ResultsApiException { Status: HttpStatusCode.NotFound } => StatusCodes.Status404NotFound,
        ResultsApiException => StatusCodes.Status502BadGateway,
        _ => StatusCodes.Status500InternalServerError,
    };
}
