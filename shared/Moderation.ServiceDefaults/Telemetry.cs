using System.Diagnostics;

namespace Moderation.ServiceDefaults;

/// <summary>The one meter and activity source the moderation services record their own measurements on.</summary>
public static class Telemetry
{
    public const string MeterName = "Moderation";
    public const string ActivitySourceName = "Moderation";

    public static readonly ActivitySource ActivitySource = new(ActivitySourceName);
}
