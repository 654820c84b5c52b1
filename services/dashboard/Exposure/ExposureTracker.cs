using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Options;
using Moderation.Dashboard.Auth;
using Moderation.Dashboard.Extensions;

namespace Moderation.Dashboard.Exposure;

/// <summary>
/// What one sign-in session has exposed its reviewer to: items looked at, frames unblurred, and how much of that since
/// the last break. <see cref="Revealed"/> lists what was already counted for the current task (<c>frame:3</c>,
/// <c>original</c>, <c>player</c>), so looking at the same thing twice counts once.
/// </summary>
public sealed record ExposureState(
    string SessionId,
    DateTimeOffset StartedAt,
    int Items,
    int Reveals,
    DateTimeOffset BreakAt,
    int ItemsAtBreak,
    int RevealsAtBreak,
    Guid? Task,
    IReadOnlyList<string> Revealed)
{
    public int ItemsSinceBreak => Items - ItemsAtBreak;

    public int RevealsSinceBreak => Reveals - RevealsAtBreak;
}

/// <summary>Why a break is due, or null.</summary>
public sealed record BreakReminder(string Reason);

/// <summary>
/// Keeps the exposure counter in its own encrypted cookie, bound to the session id of the sign-in: the counter follows
/// the reviewer across dashboard replicas and restarts without a database, and a new sign-in starts a new count.
/// </summary>
public sealed class ExposureTracker(IHttpContextAccessor accessor, IDataProtectionProvider protection, IOptions<DashboardOptions> options, TimeProvider clock)
{
    public const string CookieName = ".moderation.exposure";
    private readonly IDataProtector _protector = protection.CreateProtector("Moderation.Dashboard.Exposure.v1");

    private HttpContext Context => accessor.HttpContext ?? throw new InvalidOperationException("No current request.");

    public ExposureState Current()
    {
        var session = Context.User.SessionId();
        if (Context.Request.Cookies.TryGetValue(CookieName, out var cookie))
        {
            try
            {
                var state = JsonSerializer.Deserialize<ExposureState>(_protector.Unprotect(cookie));
                if (state is not null && state.SessionId == session)
                {
                    return state;
                }
            }
            catch (Exception e) when (e is CryptographicException or JsonException)
            {
                // A cookie from another key ring or a tampered one: start counting afresh.
            }
        }

        var now = clock.GetUtcNow();
        return new ExposureState(session, now, 0, 0, now, 0, 0, null, []);
    }

    /// <summary>Counts an unblurred frame, original or played video once per task.</summary>
    public ExposureState RecordReveal(Guid taskId, string what)
    {
        var state = Current();
        var seen = state.Task == taskId ? state.Revealed : [];
        if (seen.Contains(what))
        {
            return state;
        }

        return Save(state with { Reveals = state.Reveals + 1, Task = taskId, Revealed = [.. seen.TakeLast(255), what] });
    }

    /// <summary>Counts a task the reviewer finished with (decided or skipped).</summary>
    public ExposureState RecordItem(Guid taskId)
    {
        var state = Current();
        return Save(state with { Items = state.Items + 1, Task = state.Task == taskId ? null : state.Task, Revealed = state.Task == taskId ? [] : state.Revealed });
    }

    /// <summary>The reviewer took (or waved off) the reminded break: the next reminder counts from here.</summary>
    public ExposureState TakeBreak()
    {
        var state = Current();
        return Save(state with { BreakAt = clock.GetUtcNow(), ItemsAtBreak = state.Items, RevealsAtBreak = state.Reveals });
    }

    public BreakReminder? DueBreak(ExposureState state)
    {
        var limits = options.Value.BreakReminder;
        var minutes = (clock.GetUtcNow() - state.BreakAt).TotalMinutes;
        if (limits.Reveals > 0 && state.RevealsSinceBreak >= limits.Reveals)
        {
            return new BreakReminder($"You have unblurred {state.RevealsSinceBreak} frames since your last break.");
        }

        if (limits.Items > 0 && state.ItemsSinceBreak >= limits.Items)
        {
            return new BreakReminder($"You have reviewed {state.ItemsSinceBreak} items since your last break.");
        }

        if (limits.Minutes > 0 && minutes >= limits.Minutes && state.ItemsSinceBreak > 0)
        {
            return new BreakReminder($"You have been reviewing for {(int)minutes} minutes without a break.");
        }

        return null;
    }

    private ExposureState Save(ExposureState state)
    {
        Context.Response.Cookies.Append(CookieName, _protector.Protect(JsonSerializer.Serialize(state)), new CookieOptions
        {
            HttpOnly = true,
            SameSite = SameSiteMode.Strict,
            Secure = Context.Request.IsHttps,
            IsEssential = true,
            Path = "/",
        });
        return state;
    }
}
