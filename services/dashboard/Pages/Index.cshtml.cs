using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Moderation.Auth;
using Moderation.Dashboard.Exposure;
using Moderation.Dashboard.Results;

namespace Moderation.Dashboard.Pages;

[Authorize(Policy = ModerationScopes.Read)]
public sealed class IndexModel(ResultsClient results, ExposureTracker exposure) : PageModel
{
    public StatsOverview? Stats { get; private set; }

    public ExposureState Exposure { get; private set; } = null!;

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        Exposure = exposure.Current();
        Stats = await results.StatsAsync(TimeSpan.FromHours(24), TimeSpan.FromHours(1), cancellationToken);
    }
}
