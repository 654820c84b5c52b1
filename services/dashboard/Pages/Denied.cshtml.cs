using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Moderation.Dashboard.Pages;

public sealed class DeniedModel : PageModel
{
    public void OnGet()
    {
    }
}
