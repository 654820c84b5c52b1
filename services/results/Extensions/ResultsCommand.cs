using System.CommandLine;
using Moderation.Data;
using Moderation.Results.Data;
using Moderation.ServiceDefaults;

namespace Moderation.Results.Extensions;

/// <summary>
/// The one-shot mode besides serving, <c>migrate</c> (a Kubernetes Job before rollout), parsed strictly by
/// System.CommandLine (a misspelt command is an error, never silently ignored). Without a command the service runs.
/// Training the feedback head is no mode of this service: tools/head-training.
/// </summary>
public sealed record ResultsCommand(string Name)
{
    public const string Serve = "serve";
    public const string Migrate = "migrate";

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
            return new ResultsCommand(Serve);
        }

        ResultsCommand? chosen = null;
        var migrate = new Command(Migrate, "Apply the database migrations and exit (a Job runs this before each rollout).");
        migrate.SetAction(_ => chosen = new ResultsCommand(Migrate));
        var root = new RootCommand("The results service. Without a command it serves its API and consumes the pipeline's messages.") { migrate };
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
        using var cancellation = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cancellation.Cancel();
        };

        try
        {
            await app.Services.GetRequiredService<DatabaseMigrator<ResultsDbContext>>().MigrateAsync(cancellation.Token);
            return 0;
        }
        catch (Exception e)
        {
            logger.LogCritical(e, "Command {Command} failed", Name);
            return 1;
        }
    }
}
