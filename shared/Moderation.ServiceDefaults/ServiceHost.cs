using Microsoft.AspNetCore.Builder;

namespace Moderation.ServiceDefaults;

/// <summary>How every service creates its host.</summary>
public static class ServiceHost
{
    /// <summary>
    /// A web application builder whose content root is the directory of the service's assembly, where its
    /// <c>appsettings.json</c> lies: the service reads its own settings wherever it is started from (scripts start
    /// services from the repository root; a content root there silently dropped every service's appsettings.json).
    /// </summary>
    public static WebApplicationBuilder CreateBuilder(string[] args) =>
        WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
}
