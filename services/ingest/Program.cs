using Moderation.Ingest.CommandLine;
using Moderation.Ingest.Extensions;
using Moderation.ServiceDefaults;

if (HealthProbe.IsRequested(args))
{
    return await HealthProbe.RunAsync();
}

if (IngestCommandLine.IsCommand(args))
{
    return await IngestCommandLine.RunAsync(args);
}

var builder = ServiceHost.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();
app.UseIngest();
app.MapDefaultEndpoints();
app.MapIngestApis();
await app.RunAsync();
return 0;

public partial class Program;
