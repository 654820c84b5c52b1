using MassTransit;
using Microsoft.Extensions.Options;
using Moderation.Contracts.V1;

namespace Moderation.Classifier.Inference;

/// <summary>
/// The policies' model configurations and uncertain bands, as results answers <see cref="GetCascadeBands"/>. Only a
/// worker with a second model (<see cref="EscalationModel"/>) asks: after the bus starts and then every
/// <see cref="ClassifierOptions.CascadeBandsReloadInterval"/>. The first frames wait for the first answer (at most the
/// request timeout), so a worker never escalates by guesswork; if results does not answer, the bands in force stay, and
/// without any the frames keep the first model's scores (<see cref="ScoreRules.EscalationUnavailable"/>).
/// </summary>
public sealed partial class CascadeBandsCache(
    EscalationModel escalation,
    IServiceScopeFactory scopes,
    IHostApplicationLifetime lifetime,
    IOptions<ClassifierOptions> options,
    TimeProvider clock,
    ILogger<CascadeBandsCache> logger) : BackgroundService
{
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(10);
    private readonly TaskCompletionSource firstAnswer = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile CascadeBands? current;

    /// <summary>The bands in force; null when the worker has no second model or results has not answered yet.</summary>
    public CascadeBands? Current => current;

    /// <summary>The bands in force, waiting for results' first answer (or its timeout) when there are none yet.</summary>
    public async ValueTask<CascadeBands?> GetAsync(CancellationToken cancellationToken)
    {
        if (current is null && escalation.Classifier is not null)
        {
            await firstAnswer.Task.WaitAsync(RequestTimeout + RequestTimeout, clock, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        return current;
    }

    /// <summary>Asks results once; returns the bands in force.</summary>
    public async Task<CascadeBands?> RefreshAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var client = scope.ServiceProvider.GetRequiredService<IRequestClient<GetCascadeBands>>();
        var answer = (await client.GetResponse<CascadeBands>(new GetCascadeBands(), cancellationToken, MassTransit.RequestTimeout.After(s: (int)RequestTimeout.TotalSeconds))).Message;
        if (current is null || !SameBands(current, answer))
        {
            LogBands(answer.Policies.Count, string.Join(", ", answer.Policies.Select(p => $"{p.Policy} v{p.PolicyVersion}: {p.Models}")));
        }

        current = answer;
        return answer;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (escalation.Classifier is null)
        {
            firstAnswer.TrySetResult();
            return;
        }

        // Results is asked over the bus, which starts after this service: wait until the host has started.
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using (lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
        {
            await started.Task.WaitAsync(stoppingToken);
        }

        using var timer = new PeriodicTimer(options.Value.CascadeBandsReloadInterval, clock);
        do
        {
            try
            {
                await RefreshAsync(stoppingToken);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                LogResultsUnavailable(e.Message, current is null ? "the first model's scores" : "the bands in force");
            }
            finally
            {
                firstAnswer.TrySetResult();
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    private static bool SameBands(CascadeBands a, CascadeBands b) =>
        a.DefaultPolicy == b.DefaultPolicy && a.Policies.Count == b.Policies.Count
        && a.Policies.Zip(b.Policies).All(p => p.First.Policy == p.Second.Policy && p.First.PolicyVersion == p.Second.PolicyVersion);

    [LoggerMessage(Level = LogLevel.Information, Message = "Cascade bands of {PolicyCount} policies in force: {Policies}")]
    private partial void LogBands(int policyCount, string policies);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Results did not answer for the cascade bands ({Error}); {InForce} stay in force")]
    private partial void LogResultsUnavailable(string error, string inForce);
}
