using Moderation.Contracts.Heads;
using System.Text.Json;
using Moderation.Results.Audit;
using Moderation.Results.Feedback;

namespace Moderation.Results.Extensions;

/// <summary>
/// One-shot modes besides serving: <c>migrate</c> (a Kubernetes Job before rollout) and <c>train-head [--no-publish] [--base-model-version=V]</c>
/// (a CronJob training the feedback head). Without a command the service runs.
/// </summary>
public sealed record ResultsCommand(string Name, bool Publish, string? BaseModelVersion)
{
    public const string Serve = "serve";
    public const string Migrate = "migrate";
    public const string TrainHead = "train-head";

    public bool NeedsMessaging => Name == Serve;

    public static ResultsCommand Parse(string[] args)
    {
        var first = args.FirstOrDefault(a => !a.StartsWith('-') && !a.Contains('='));
        var name = first?.TrimStart('-') switch
        {
            Migrate => Migrate,
            TrainHead => TrainHead,
            _ => args.Contains("--migrate") ? Migrate : Serve,
        };
        var version = args.FirstOrDefault(a => a.StartsWith("--base-model-version=", StringComparison.Ordinal))?.Split('=', 2)[1];
        return new ResultsCommand(name, !args.Contains("--no-publish"), version);
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
                await DatabaseMigrator.MigrateAsync(scopes, logger, cancellation.Token);
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
