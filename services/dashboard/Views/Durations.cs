using System.Globalization;

namespace Moderation.Dashboard.Views;

/// <summary>Durations as people say them: "45 s", "12 min", "3 h 5 min", "2 d 4 h".</summary>
public static class Durations
{
    public static string Humane(TimeSpan duration)
    {
        var d = duration.Duration();
        return d.TotalSeconds < 60 ? string.Create(CultureInfo.InvariantCulture, $"{d.TotalSeconds:0} s")
            : d.TotalMinutes < 60 ? string.Create(CultureInfo.InvariantCulture, $"{(int)d.TotalMinutes} min")
            : d.TotalHours < 24 ? (d.Minutes == 0 ? $"{(int)d.TotalHours} h" : $"{(int)d.TotalHours} h {d.Minutes} min")
            : d.Hours == 0 ? $"{(int)d.TotalDays} d" : $"{(int)d.TotalDays} d {d.Hours} h";
    }
}
