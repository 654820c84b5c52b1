using System.CommandLine;
using System.Text.Json;
using Moderation.Contracts.Heads;
using Moderation.Data;
using Moderation.Results.Audit;
using Moderation.Results.Data;
using Moderation.Results.Feedback;
using Moderation.ServiceDefaults;

namespace Moderation.Results.Extensions;

/// <summary>
/// One-shot modes besides serving: <c>migrate</c> (a Kubernetes Job before rollout) and <c>train-head [--no-publish]
/// [--base-model-version V]</c> (a CronJob training the feedback head), parsed strictly by System.CommandLine (a misspelt
/// option is an error, never silently ignored). Without a command the service runs.
/// </summary>
public sealed record ResultsCommand(string Name, bool Publish, string? BaseModelVersion)
{
    public const string Serve = "serve";
    public const string Migrate = "migrate";
    public const string TrainHead = "train-head";

    public bool NeedsMessaging => Name == Serve;

    /// <summary>
    /// The mode <paramref name="args"/> ask for; null when the command line has been answered already — help was
    /// printed, or it was wrong and the error with usage was — and the process should exit with <paramref name="exitCode"/>.
    /// </summary>
    public static ResultsCommand? Parse(string[] args, out int exitCode)
    {
        exitCode = 0;
        if (!ServiceCommandLine.IsCommand(args))
        {
            return new ResultsCommand(Serve, Publish: true, BaseModelVersion: null);
        }

        ResultsCommand? chosen = null;
        var migrate = new Command(Migrate, "Apply the database migrations and exit (a Job runs this before each rollout).");
        migrate.SetAction(_ => chosen = new ResultsCommand(Migrate, Publish: true, BaseModelVersion: null));
        var noPublish = new Option<bool>("--no-publish") { Description = "Train and report, but publish no head to the classifiers." };
        var baseModelVersion = new Option<string?>("--base-model-version")
        {
            Description = "The base model version whose embeddings to train on (default: the one with the most reviewer feedback).",
        };
        var trainHead = new Command(TrainHead, "Train the feedback head on reviewers' decisions and print its report as JSON.") { noPublish, baseModelVersion };
        trainHead.SetAction(result => chosen = new ResultsCommand(TrainHead, !result.GetValue(noPublish), result.GetValue(baseModelVersion)));
        var root = new RootCommand("The results service. Without a command it serves its API and consumes the pipeline's messages.") { migrate, trainHead };
        exitCode = root.Parse(args).Invoke();
        return exitCode == 0 ? chosen : null;
    }

    /// <summary>Runs a one-shot command; returns its exit code, or null when the service should serve.</summary>
    public async Task<int?> RunAsync(WebApplication app)
    {
        if (Name == Serve)
        {
            return null;
        }

        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Moderation.Results.Command");
        var scopes = app.Services.GetRequiredService<IServiceScopeFactory>();
        using var cancellation = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cancellation.Cancel();
        };

        try
        {
            if (Name == Migrate)
            {
                await app.Services.GetRequiredService<DatabaseMigrator<ResultsDbContext>>().MigrateAsync(cancellation.Token);
                return 0;
            }

            await using var scope = scopes.CreateAsyncScope();
            var report = await scope.ServiceProvider.GetRequiredService<HeadTrainer>().TrainAsync(Publish, BaseModelVersion, AuditActor.System("train-head command"), cancellation.Token);
            await Console.Out.WriteLineAsync(JsonSerializer.Serialize(report, HeadFile.Json));
            return 0;
        }
        catch (Exception e)
        {
            logger.LogCritical(e, "Command {Command} failed", Name);
            return 1;
        }
    }
}
