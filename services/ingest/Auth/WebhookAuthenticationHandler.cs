using System.Globalization;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Moderation.Auth;
using Moderation.Data;
using Moderation.Ingest.Data;
using Moderation.Ingest.Extensions;

namespace Moderation.Ingest.Auth;

/// <summary>
/// Authenticates upload-hook calls: <c>X-Moderation-Signature: sha256=&lt;hex HMAC-SHA256 of "{timestamp}.{body}"&gt;</c>
/// with the client's shared secret, a timestamp within the replay window, and a signature never seen before (identical
/// requests have identical signatures, so remembering signatures refuses replays without trusting any header the
/// attacker could change).
/// </summary>
public sealed class WebhookAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    IOptions<WebhookOptions> webhooks,
    IngestDbContext db,
    TimeProvider clock) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "Webhook";

    /// <summary>The policy of the upload hook: this scheme only, and the submit scope it grants.</summary>
    public const string PolicyName = "webhook";
    public const string ClientHeader = "X-Moderation-Client";
    public const string TimestampHeader = "X-Moderation-Timestamp";
    public const string SignatureHeader = "X-Moderation-Signature";
    private const string SignaturePrefix = "sha256=";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var settings = webhooks.Value;
        var clientId = Request.Headers[ClientHeader].ToString();
        var timestampText = Request.Headers[TimestampHeader].ToString();
        var signatureText = Request.Headers[SignatureHeader].ToString();
        if (clientId.Length == 0 || timestampText.Length == 0 || signatureText.Length == 0)
        {
            return Failure(StatusCodes.Status401Unauthorized, Problems.MissingSignature, "Webhook signature required",
                $"Send '{ClientHeader}', '{TimestampHeader}' (Unix seconds) and '{SignatureHeader}: sha256=<hex HMAC-SHA256 of \"{{timestamp}}.{{body}}\">'.");
        }

        if (!settings.Clients.TryGetValue(clientId, out var client))
        {
            return Failure(StatusCodes.Status401Unauthorized, Problems.UnknownWebhookClient, "Unknown webhook client",
                $"No webhook secret is configured for client '{clientId}'.");
        }

        var body = await ReadBodyAsync(settings.MaxBodyBytes);
        if (body is null)
        {
            return Failure(StatusCodes.Status413PayloadTooLarge, Problems.PayloadTooLarge, "Webhook body too large",
                $"A webhook body may be at most {settings.MaxBodyBytes} bytes; send a URL, not the media.");
        }

        if (!signatureText.StartsWith(SignaturePrefix, StringComparison.OrdinalIgnoreCase) ||
            !TryParseHex(signatureText[SignaturePrefix.Length..], out var signature) ||
            !(Matches(client.Secret, timestampText, body, signature) ||
              (client.PreviousSecret is { } previous && Matches(previous, timestampText, body, signature))))
        {
            return Failure(StatusCodes.Status401Unauthorized, Problems.InvalidSignature, "Invalid webhook signature",
                "The signature does not match the body and timestamp for this client's secret.");
        }

        var now = clock.GetUtcNow();
        if (!long.TryParse(timestampText, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) ||
            Math.Abs((now - DateTimeOffset.FromUnixTimeSeconds(Math.Clamp(seconds, 0, 253_402_300_799))).TotalSeconds) > settings.ReplayWindow.TotalSeconds)
        {
            return Failure(StatusCodes.Status401Unauthorized, Problems.ExpiredSignature, "Webhook timestamp outside the replay window",
                $"The timestamp must be Unix seconds within {settings.ReplayWindow.TotalSeconds:0} s of the server clock ({now.ToUnixTimeSeconds()}).");
        }

        db.WebhookDeliveries.Add(new WebhookDelivery { ClientId = clientId, Signature = Convert.ToHexStringLower(signature), ReceivedAt = now });
        try
        {
            await db.SaveChangesAsync(Context.RequestAborted);
        }
        catch (DbUpdateException e) when (e.IsUniqueViolation())
        {
            db.ChangeTracker.Clear();
            return Failure(StatusCodes.Status401Unauthorized, Problems.ReplayedWebhook, "Webhook replayed",
                "This exact request was already received; sign every delivery with a fresh timestamp.");
        }

        var identity = ModerationClaims.Identity(SchemeName, clientId, [ModerationScopes.Submit]);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var result = await HandleAuthenticateOnceSafeAsync();
        var problem = result.Failure is WebhookAuthenticationException failure
            ? Problems.Create(failure.Status, failure.Type, failure.Title, failure.Message)
            : Problems.Create(StatusCodes.Status401Unauthorized, Problems.MissingSignature, "Webhook signature required");
        await Problems.WriteAsync(Context, problem);
    }

    private AuthenticateResult Failure(int status, string type, string title, string detail)
    {
        Logger.LogInformation("Webhook refused: {ProblemType} {Detail}", type, detail);
        return AuthenticateResult.Fail(new WebhookAuthenticationException(status, type, title, detail));
    }

    /// <summary>The body, buffered so the endpoint can bind it afterwards; null when it exceeds <paramref name="limit"/>.</summary>
    private async Task<byte[]?> ReadBodyAsync(int limit)
    {
        if (Request.ContentLength > limit)
        {
            return null;
        }

        Request.EnableBuffering(limit, limit);
        using var copy = new MemoryStream();
        var buffer = new byte[8192];
        int read;
        while ((read = await Request.Body.ReadAsync(buffer, Context.RequestAborted)) > 0)
        {
            if (copy.Length + read > limit)
            {
                return null;
            }

            copy.Write(buffer, 0, read);
        }

        Request.Body.Position = 0;
        return copy.ToArray();
    }

    private static bool Matches(string secret, string timestamp, byte[] body, byte[] signature)
    {
        using var hmac = new HMACSHA256(Encoding.UTF8.GetBytes(secret));
        var prefix = Encoding.UTF8.GetBytes(timestamp + ".");
        hmac.TransformBlock(prefix, 0, prefix.Length, null, 0);
        hmac.TransformFinalBlock(body, 0, body.Length);
        return CryptographicOperations.FixedTimeEquals(hmac.Hash, signature);
    }

    private static bool TryParseHex(string hex, out byte[] bytes)
    {
        bytes = [];
        if (hex.Length != 64)
        {
            return false;
        }

        try
        {
            bytes = Convert.FromHexString(hex);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    /// <summary>Why a webhook call was refused, carried from authentication to the challenge that answers it.</summary>
    private sealed class WebhookAuthenticationException(int status, string type, string title, string detail) : Exception(detail)
    {
        public int Status { get; } = status;

        public string Type { get; } = type;

        public string Title { get; } = title;
    }
}
