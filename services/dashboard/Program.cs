using Moderation.Dashboard.Extensions;
using Moderation.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();
app.MapDefaultEndpoints();
app.MapDashboard();
await app.RunAsync();

/// <summary>Entry point, visible to the in-process test host.</summary>
public partial class Program;
