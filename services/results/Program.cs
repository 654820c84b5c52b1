using Moderation.Results.Extensions;
using Moderation.ServiceDefaults;

if (HealthProbe.IsRequested(args))
{
    return await HealthProbe.RunAsync();
}

if (ResultsCommand.Parse(args, out var exitCode) is not { } command)
{
    return exitCode;
}

var builder = ServiceHost.CreateBuilder(command.NeedsMessaging ? args : []);
builder.AddServiceDefaults();
builder.AddApplicationServices(command);

var app = builder.Build();
if (await command.RunAsync(app) is { } commandExit)
{
    return commandExit;
}

app.MapDefaultEndpoints();
app.MapResultsApis();
await app.RunAsync();
return 0;

/// <summary>Entry point, visible to the in-process test host.</summary>
public partial class Program;
