using Moderation.Contracts.V1;
using Moderation.Ingest.Data;
using Moderation.Ingest.Extensions;
using Moderation.Ingest.Intake;

namespace Moderation.Ingest.Apis;

/// <summary>Checks the metadata of a submission before a single byte of media is read.</summary>
public static class SubmissionValidation
{
    public const string IdempotencyKeyHeader = "Idempotency-Key";

    public static SubmissionRequest Validate(
        string clientId, SubmissionSource source, string? idempotencyKey, string? externalId, string? callbackUrl, string? priority, string? policy, string? sourceUrl)
    {
        var errors = new Dictionary<string, string[]>();
        idempotencyKey = Blank(idempotencyKey);
        externalId = Blank(externalId);
        callbackUrl = Blank(callbackUrl);
        policy = Blank(policy);

        if (idempotencyKey is { } key && (key.Length > 256 || key.Any(c => c < 0x21 || c > 0x7E)))
        {
            errors[IdempotencyKeyHeader] = ["At most 256 printable ASCII characters."];
        }

        if (externalId is { } id && (id.Length > 512 || id.Any(char.IsControl)))
        {
            errors["externalId"] = ["At most 512 characters, no control characters."];
        }

        if (callbackUrl is not null && !IsHttpUrl(callbackUrl))
        {
            errors["callbackUrl"] = ["An absolute http(s) URL of at most 2048 characters."];
        }
        else if (callbackUrl is not null && HasCredentials(callbackUrl))
        {
            // Refused (not stripped): the receiver authenticates callbacks by their signature, and a password in a URL
            // would be stored, logged and forwarded. The message never repeats the URL.
            errors["callbackUrl"] = ["The callback URL must not carry credentials (user:password@); callbacks are signed instead."];
        }

        if (policy is { } p && (p.Length > 64 || !p.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '-' or '_' or '.')))
        {
            errors["policy"] = ["At most 64 characters of a–z, 0–9, '-', '_' or '.'."];
        }

        var lane = SubmissionPriority.Normal;
        if (Blank(priority) is { } text && (!Enum.TryParse(text, ignoreCase: true, out lane) || !Enum.IsDefined(lane) || int.TryParse(text, out _)))
        {
            errors["priority"] = ["One of normal, urgent, bulk."];
        }

        if (sourceUrl is not null && !IsHttpUrl(sourceUrl))
        {
            errors["url"] = ["An absolute http(s) URL of at most 2048 characters."];
        }

        if (errors.Count > 0)
        {
            throw new IntakeException(
                Problems.Create(StatusCodes.Status400BadRequest, Problems.InvalidRequest, "Invalid submission", "One or more fields are invalid.",
                    new Dictionary<string, object?> { ["errors"] = errors }),
                FailureReasons.Internal);
        }

        return new SubmissionRequest(clientId, source, idempotencyKey, externalId, callbackUrl, lane, policy, sourceUrl);
    }

    private static bool IsHttpUrl(string value) =>
        value.Length <= 2048 && Uri.TryCreate(value, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps);

    private static bool HasCredentials(string value) => Uri.TryCreate(value, UriKind.Absolute, out var uri) && uri.UserInfo.Length > 0;

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
