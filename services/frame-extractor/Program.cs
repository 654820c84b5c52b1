using Moderation.FrameExtractor.Apis;
using Moderation.FrameExtractor.Extensions;
using Moderation.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();
app.MapDefaultEndpoints();
app.MapExtractionsApi();
app.Run();
