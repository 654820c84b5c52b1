using System.ComponentModel.DataAnnotations;

namespace Moderation.Dashboard.Extensions;

/// <summary>Section <c>Dashboard</c>.</summary>
public sealed class DashboardOptions
{
    public const string Section = "Dashboard";

    /// <summary>Base address of the results service, whose HTTP API holds everything the dashboard shows.</summary>
    [Required]
    public Uri? ResultsUrl { get; set; }

    /// <summary>
    /// Base address of the ingest service, which erases media (<c>DELETE /media/{id}</c>) for administrators. Unset: the
    /// media page offers no erasure.
    /// </summary>
    public Uri? IngestUrl { get; set; }

    /// <summary>
    /// Where the data-protection key ring (which encrypts the sign-in cookie and its API key) is kept. Every replica must
    /// share it, and it must survive restarts, or reviewers are signed out. Empty: the framework's per-user default.
    /// </summary>
    public string? KeysDirectory { get; set; }

    /// <summary>Longest a sign-in lasts, however active the reviewer is.</summary>
    [Range(typeof(TimeSpan), "00:05:00", "1.00:00:00")]
    public TimeSpan SessionLifetime { get; set; } = TimeSpan.FromHours(8);

    /// <summary>A session unused this long ends (the cookie slides while it is used).</summary>
    [Range(typeof(TimeSpan), "00:01:00", "1.00:00:00")]
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>How often the API key behind a session is checked again with the results service, so a revoked key ends it.</summary>
    [Range(typeof(TimeSpan), "00:00:05", "01:00:00")]
    public TimeSpan RevalidateEvery { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Sign-in attempts allowed per client address and minute (guessing keys through the form).</summary>
    [Range(1, 10_000)]
    public int SignInAttemptsPerMinute { get; set; } = 10;

    /// <summary>
    /// How long the dashboard offers to undo a decision. The results service enforces its own window
    /// (<c>Review:UndoWindow</c>); keep this one no longer.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan UndoWindow { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>How many of a medium's highest-scoring frames the task view shows as thumbnails.</summary>
    [Range(1, 64)]
    public int WorstFrames { get; set; } = 12;

    /// <summary>How often an empty queue looks again by itself (seconds).</summary>
    [Range(2, 3600)]
    public int EmptyQueueRefreshSeconds { get; set; } = 15;

    /// <summary>Largest original still served as its own thumbnail when no sampled frame was stored.</summary>
    [Range(1024, 100 * 1024 * 1024)]
    public long MaxOriginalBytes { get; set; } = 20 * 1024 * 1024;

    [Required]
    public BreakReminderOptions BreakReminder { get; set; } = new();

    [Required]
    public EvaluationDefaults Evaluation { get; set; } = new();
}

/// <summary>
/// Section <c>Dashboard:BreakReminder</c>: a reviewer is reminded to take a break after this much exposure since the
/// last break (whichever comes first). Zero turns a limit off.
/// </summary>
public sealed class BreakReminderOptions
{
    [Range(0, 10_000)]
    public int Items { get; set; } = 40;

    /// <summary>Revealed (unblurred) frames: the exposure that matters most.</summary>
    [Range(0, 10_000)]
    public int Reveals { get; set; } = 15;

    [Range(0, 24 * 60)]
    public int Minutes { get; set; } = 50;
}

/// <summary>Section <c>Dashboard:Evaluation</c>: the starting point of the threshold recommendation form.</summary>
public sealed class EvaluationDefaults
{
    [Range(0.0, 1.0)]
    public double TargetRecall { get; set; } = 0.95;
}
