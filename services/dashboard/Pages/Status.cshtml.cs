using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Moderation.Auth;
using Moderation.Dashboard.Charts;
using Moderation.Dashboard.Results;

namespace Moderation.Dashboard.Pages;

[Authorize(Policy = ModerationScopes.Read)]
public sealed class StatusModel(ResultsClient results) : PageModel
{
    /// <summary>The windows offered, with the bucket each is drawn in.</summary>
    public static readonly IReadOnlyDictionary<string, (TimeSpan Window, TimeSpan Bucket)> Windows = new Dictionary<string, (TimeSpan, TimeSpan)>
    {
        ["1h"] = (TimeSpan.FromHours(1), TimeSpan.FromMinutes(5)),
        ["24h"] = (TimeSpan.FromHours(24), TimeSpan.FromHours(1)),
        ["7d"] = (TimeSpan.FromDays(7), TimeSpan.FromHours(6)),
        ["30d"] = (TimeSpan.FromDays(30), TimeSpan.FromDays(1)),
    };

    [BindProperty(SupportsGet = true)]
    public string Window { get; set; } = "24h";

    public StatsOverview Stats { get; private set; } = null!;

    public VerdictMixChart Mix { get; private set; } = null!;

    public ReviewQueueStats? Review { get; private set; }

    public double Hours => (Stats.To - Stats.From).TotalHours;

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        if (!Windows.TryGetValue(Window, out var window))
        {
            Window = "24h";
            window = Windows[Window];
        }

        Stats = await results.StatsAsync(window.Window, window.Bucket, cancellationToken);
        Mix = VerdictMixChart.Build(Stats);
    }
}
