using Moderation.Ingest.CommandLine;
using Moderation.Ingest.Extensions;
using Moderation.ServiceDefaults;

if (IngestCommandLine.IsCommand(args))
{
    return await IngestCommandLine.RunAsync(args);
}

// appsettings.json lives beside the assembly; scripts start services from the repository root.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();
app.UseIngest();
app.MapDefaultEndpoints();
app.MapIngestApis();
await app.RunAsync();
return 0;

public partial class Program;
