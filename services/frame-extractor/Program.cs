using Moderation.FrameExtractor.Apis;
using Moderation.FrameExtractor.Extensions;
using Moderation.ServiceDefaults;

if (HealthProbe.IsRequested(args))
{
    return await HealthProbe.RunAsync();
}

var builder = ServiceHost.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();
app.MapDefaultEndpoints();
app.MapExtractionsApi();
await app.RunAsync();
return 0;
