using Moderation.Results.Extensions;
using Moderation.ServiceDefaults;

var command = ResultsCommand.Parse(args);
var builder = ServiceHost.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddApplicationServices(command);

var app = builder.Build();
if (await command.RunAsync(app) is { } exitCode)
{
    return exitCode;
}

app.MapDefaultEndpoints();
app.MapResultsApis();
await app.RunAsync();
return 0;

/// <summary>Entry point, visible to the in-process test host.</summary>
public partial class Program;
