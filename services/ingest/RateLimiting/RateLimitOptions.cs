using System.ComponentModel.DataAnnotations;
using Moderation.Ingest.Auth;

namespace Moderation.Ingest.RateLimiting;

/// <summary>
/// Section <c>RateLimits</c>: how fast each client may submit, and how many of its submissions may jump the queue as
/// <c>urgent</c>. <see cref="Default"/> applies to every client; <c>RateLimits:Clients:&lt;clientId&gt;:…</c> overrides
/// any of its values for one client (the rest come from the default). Limits are per ingest instance.
/// </summary>
public sealed class RateLimitOptions : IValidatableObject
{
    public const string Section = "RateLimits";

    /// <summary>Off: no submission limit and no urgent ceiling (single-tenant installs).</summary>
    public bool Enabled { get; set; } = true;

    public ClientRateLimitSettings Default { get; set; } = new();

    public Dictionary<string, ClientRateLimitSettings> Clients { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The limits of <paramref name="clientId"/>: its own values where set, the default's otherwise.</summary>
    public ClientRateLimit For(string clientId)
    {
        var own = Clients.GetValueOrDefault(clientId);
        return new ClientRateLimit(
            own?.TokenLimit ?? Default.TokenLimit ?? ClientRateLimit.Builtin.TokenLimit,
            own?.TokensPerPeriod ?? Default.TokensPerPeriod ?? ClientRateLimit.Builtin.TokensPerPeriod,
            own?.ReplenishmentPeriod ?? Default.ReplenishmentPeriod ?? ClientRateLimit.Builtin.ReplenishmentPeriod,
            own?.UrgentLimit ?? Default.UrgentLimit ?? ClientRateLimit.Builtin.UrgentLimit,
            own?.UrgentWindow ?? Default.UrgentWindow ?? ClientRateLimit.Builtin.UrgentWindow);
    }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var problem in Default.Problems("RateLimits:Default"))
        {
            yield return new ValidationResult(problem);
        }

        foreach (var (clientId, settings) in Clients)
        {
            if (!ClientIds.IsValid(clientId))
            {
                yield return new ValidationResult($"RateLimits:Clients: client id '{clientId}' must be 1–64 characters of a–z, 0–9, '-', '_' or '.'.");
            }

            foreach (var problem in settings.Problems($"RateLimits:Clients:{clientId}"))
            {
                yield return new ValidationResult(problem);
            }
        }
    }
}

/// <summary>Values of one client (or of the default); unset values are inherited.</summary>
public sealed class ClientRateLimitSettings
{
    /// <summary>Token bucket size: how many submissions may arrive at once after a quiet spell (the burst).</summary>
    public int? TokenLimit { get; set; }

    /// <summary>Submissions added back to the bucket every <see cref="ReplenishmentPeriod"/>: the sustained rate.</summary>
    public int? TokensPerPeriod { get; set; }

    public TimeSpan? ReplenishmentPeriod { get; set; }

    /// <summary>At most this many submissions per <see cref="UrgentWindow"/> keep the <c>urgent</c> lane; further ones go in as <c>normal</c>. 0: never urgent.</summary>
    public int? UrgentLimit { get; set; }

    public TimeSpan? UrgentWindow { get; set; }

    public IEnumerable<string> Problems(string path)
    {
        if (TokenLimit is < 1 or > 1_000_000)
        {
            yield return $"{path}:TokenLimit must be 1–1000000.";
        }

        if (TokensPerPeriod is < 1 or > 1_000_000)
        {
            yield return $"{path}:TokensPerPeriod must be 1–1000000.";
        }

        if (ReplenishmentPeriod is { } period && (period < TimeSpan.FromMilliseconds(10) || period > TimeSpan.FromDays(1)))
        {
            yield return $"{path}:ReplenishmentPeriod must be between 10 ms and one day.";
        }

        if (UrgentLimit is < 0 or > 1_000_000)
        {
            yield return $"{path}:UrgentLimit must be 0–1000000.";
        }

        if (UrgentWindow is { } window && (window < TimeSpan.FromSeconds(1) || window > TimeSpan.FromDays(1)))
        {
            yield return $"{path}:UrgentWindow must be between 1 s and one day.";
        }
    }
}

/// <summary>The resolved limits of one client.</summary>
public sealed record ClientRateLimit(int TokenLimit, int TokensPerPeriod, TimeSpan ReplenishmentPeriod, int UrgentLimit, TimeSpan UrgentWindow)
{
    /// <summary>
    /// Generous: 100 submissions a second with bursts of 200 is far above what the pipeline of a small cluster drains, so
    /// the limit only stops a runaway client; back-pressure (503) stays what paces normal load.
    /// </summary>
    public static readonly ClientRateLimit Builtin = new(200, 100, TimeSpan.FromSeconds(1), 60, TimeSpan.FromMinutes(1));
}
