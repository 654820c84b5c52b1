using Moderation.Classifier.Apis;
using Moderation.Classifier.Extensions;
using Moderation.ServiceDefaults;

var builder = ServiceHost.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();
app.MapDefaultEndpoints();
app.MapClassifierApi();
app.Run();
