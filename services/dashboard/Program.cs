using Moderation.Dashboard.Extensions;
using Moderation.ServiceDefaults;

if (HealthProbe.IsRequested(args))
{
    return await HealthProbe.RunAsync();
}

var builder = ServiceHost.CreateBuilder(args);
// Serves wwwroot from a plain build too (scripts/up, tests), not only from `dotnet publish` output; a no-op when published.
builder.WebHost.UseStaticWebAssets();
builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();
app.MapDefaultEndpoints();
app.MapDashboard();
await app.RunAsync();
return 0;

/// <summary>Entry point, visible to the in-process test host.</summary>
public partial class Program;
