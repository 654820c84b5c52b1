using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;
using Moderation.Auth;
using Moderation.Dashboard.Auth;
using Moderation.Dashboard.Exposure;
using Moderation.Dashboard.Extensions;
using Moderation.Dashboard.Results;
using Moderation.Dashboard.Views;

namespace Moderation.Dashboard.Pages;

[Authorize(Policy = ModerationScopes.Read)]
public sealed class MediaModel(ResultsClient results, ExposureTracker exposure, IOptions<DashboardOptions> options) : PageModel
{
    public MediaView View { get; private set; } = null!;

    public ExposureState Exposure { get; private set; } = null!;

    public async Task<IActionResult> OnGetAsync(Guid id, CancellationToken cancellationToken)
    {
        if (await results.MediaAsync(id, cancellationToken) is not { } media)
        {
            return NotFound();
        }

        View = await MediaView.BuildAsync(results, media, null, options.Value.WorstFrames, cancellationToken);
        Exposure = exposure.Current();
        return Page();
    }
}
