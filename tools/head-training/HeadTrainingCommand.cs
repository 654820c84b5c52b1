using System.CommandLine;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Moderation.Contracts.Heads;
using Moderation.Data;
using Moderation.Results.Audit;
using Moderation.Results.Data;
using Moderation.Results.Policies;
using Moderation.ServiceDefaults;

namespace Moderation.HeadTraining;

/// <summary>
/// The command line, on the shared command host (<see cref="ServiceCommandLine"/>): <c>[--no-publish]
/// [--base-model-version V]</c> trains the feedback head on the results database (<c>ConnectionStrings:postgres</c>,
/// section <c>FeedbackHead</c>, read as results reads them) and prints its report as JSON on standard output; logs go to
/// standard error. A misspelt option or a missing value is an error with usage and exit code 1, before the database is
/// touched; <c>--help</c> lists the options; a failed run exits with 1.
/// </summary>
internal static class HeadTrainingCommand
{
    public static Task<int> RunAsync(string[] args, TextWriter output, TextWriter error) =>
        ServiceCommandLine.InvokeAsync(Create(output), args, new InvocationConfiguration { Output = output, Error = error });

    private static RootCommand Create(TextWriter output)
    {
        var noPublish = new Option<bool>("--no-publish") { Description = "Train and report, but publish no head to the classifiers." };
        var baseModelVersion = new Option<string?>("--base-model-version")
        {
            Description = "The base model version whose embeddings to train on (default: the one with the most reviewer feedback).",
            HelpName = "V",
        };
        var root = new RootCommand("Trains the feedback head on reviewers' decisions in the results database, publishes it when it beats the base model " +
            "on held-out feedback, and prints its report as JSON.")
        {
            noPublish,
            baseModelVersion,
        };
        root.SetAction((result, cancellationToken) =>
            TrainAsync(!result.GetValue(noPublish), result.GetValue(baseModelVersion), output, cancellationToken));
        return root;
    }

    private static async Task<int> TrainAsync(bool publish, string? baseModelVersion, TextWriter output, CancellationToken cancellationToken)
    {
        // Results' settings and environment (its appsettings.json is published next to this tool): the same database
        // and FeedbackHead section the service is configured with.
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [], ContentRootPath = AppContext.BaseDirectory });
        // Standard output carries the report alone.
        builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.ConfigureOpenTelemetry();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.AddMigratedDatabase<ResultsDbContext>(ResultsDbContext.ConfigureOptions);
        builder.AddValidatedOptions<FeedbackHeadOptions>(FeedbackHeadOptions.Section);
        builder.Services.AddScoped<AuditLog>();
        builder.Services.AddScoped<PolicyStore>();
        builder.Services.AddScoped<HeadTrainer>();

        // Not started: the host's hosted services (the migrator among them) never run; the schema is results' to migrate.
        using var host = builder.Build();
        var logger = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Moderation.HeadTraining");
        try
        {
            await using var scope = host.Services.CreateAsyncScope();
            var report = await scope.ServiceProvider.GetRequiredService<HeadTrainer>()
                .TrainAsync(publish, baseModelVersion, AuditActor.System("head-training"), cancellationToken);
            await output.WriteLineAsync(JsonSerializer.Serialize(report, HeadFile.Json));
            return 0;
        }
        catch (Exception e)
        {
            logger.LogCritical(e, "Feedback head training failed");
            return 1;
        }
    }
}
