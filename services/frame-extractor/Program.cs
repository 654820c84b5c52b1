using Moderation.FrameExtractor.Apis;
using Moderation.FrameExtractor.Extensions;
using Moderation.ServiceDefaults;

var builder = ServiceHost.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();
app.MapDefaultEndpoints();
app.MapExtractionsApi();
app.Run();
