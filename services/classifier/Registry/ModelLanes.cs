using System.Collections.Concurrent;
using MassTransit;
using Microsoft.Extensions.Options;
using Moderation.Classifier.Inference;
using Moderation.Contracts.V1;
using Moderation.Model;

namespace Moderation.Classifier.Registry;

/// <summary>
/// The models this worker scores with. Without <see cref="ClassifierOptions.ModelName"/>: the configured model and its
/// feedback head, as always. With it: the registry's active version (and its shadow) of that model, asked of results at
/// start (live frames wait for the first answer) and every <see cref="ClassifierOptions.ModelReloadInterval"/>, so a
/// promotion or rollback reaches every worker without a restart; and, for the bulk lane, any registered version a
/// backfill names. A version whose bytes or head do not match its registration is refused, with an error in the log, and
/// whatever was in force stays.
/// </summary>
public sealed partial class ModelLanes(
    IFrameClassifier configured,
    FramePreprocessor configuredPreprocessor,
    FeedbackHead feedbackHead,
    RegisteredModelLoader loader,
    IServiceScopeFactory scopes,
    IHostApplicationLifetime lifetime,
    IOptions<ClassifierOptions> options,
    TimeProvider clock,
    ILogger<ModelLanes> logger) : BackgroundService
{
    /// <summary>How long a refused version is left alone before its bytes are tried again.</summary>
    private static readonly TimeSpan RefusalBackoff = TimeSpan.FromMinutes(5);

    /// <summary>Versions unused this long by either lane are unloaded.</summary>
    private static readonly TimeSpan IdleUnload = TimeSpan.FromMinutes(10);

    private readonly ClassifierOptions _options = options.Value;
    private readonly TaskCompletionSource _firstAnswer = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ConcurrentDictionary<(string Name, string Version), LoadedModel> _loaded = new();
    private readonly ConcurrentDictionary<(string Name, string Version), DateTimeOffset> _refused = new();
    private readonly SemaphoreSlim _loading = new(1, 1);
    private volatile Deployment? _deployment;

    public bool UsesRegistry => !string.IsNullOrEmpty(_options.ModelName);

    /// <summary>The registered versions in force (null before the first answer, or when none is active).</summary>
    public string? ActiveVersion => _deployment?.Active?.Registration?.Version;

    public string? ShadowVersion => _deployment?.Shadow?.Registration?.Version;

    /// <summary>The models for the next live batch.</summary>
    public async ValueTask<LiveModels> LiveAsync(CancellationToken cancellationToken)
    {
        if (UsesRegistry && !_firstAnswer.Task.IsCompleted)
        {
            await _firstAnswer.Task.WaitAsync(cancellationToken);
        }

        var deployment = _deployment;
        var active = deployment?.Active ?? new LoadedModel(null, configured, configuredPreprocessor, feedbackHead.Current);
        return new LiveModels(active, deployment?.Shadow, deployment?.ShadowShare ?? 0);
    }

    /// <summary>A registered version for the bulk lane, loaded once and kept while used; null when results does not know it.</summary>
    public async Task<LoadedModel?> VersionAsync(string name, string version, CancellationToken cancellationToken)
    {
        if (_loaded.TryGetValue((name, version), out var model))
        {
            model.LastUsed = clock.GetUtcNow();
            return model;
        }

        await using var scope = scopes.CreateAsyncScope();
        var client = scope.ServiceProvider.GetRequiredService<IRequestClient<GetModelVersion>>();
        var answer = (await client.GetResponse<ModelVersionAnswer>(new GetModelVersion(name, version), cancellationToken, RequestTimeout.After(s: 30))).Message;
        if (answer.Model is null)
        {
            return null;
        }

        model = await LoadAsync(answer.Model, cancellationToken) ?? throw new ModelIntegrityException($"{name} {version} was refused; see the log.");
        model.LastUsed = clock.GetUtcNow();
        return model;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!UsesRegistry)
        {
            return;
        }

        // Results is asked over the bus, which starts after this service.
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using (lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
        {
            await started.Task.WaitAsync(stoppingToken);
        }

        // Live frames wait for the first answer: ask again soon until there is one, then once a period.
        while (!_firstAnswer.Task.IsCompleted)
        {
            try
            {
                await RefreshAsync(stoppingToken);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                LogRegistryUnavailable(e.Message, "nothing (live frames wait)");
                await Task.Delay(TimeSpan.FromSeconds(2), clock, stoppingToken);
            }
        }

        using var timer = new PeriodicTimer(_options.ModelReloadInterval, clock);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await RefreshAsync(stoppingToken);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                // Never fatal: the worker scores with whatever is in force and asks again next period.
                LogRegistryUnavailable(e.Message, ActiveVersion ?? "the configured model");
            }

            Unload();
        }
    }

    /// <summary>Asks results once for the deployment and loads what changed.</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var client = scope.ServiceProvider.GetRequiredService<IRequestClient<GetModelDeployment>>();
        var answer = (await client.GetResponse<ModelDeploymentAnswer>(new GetModelDeployment(_options.ModelName!), cancellationToken,
            RequestTimeout.After(s: 10))).Message;
        var current = _deployment;
        var active = answer.Active is null ? null : await LoadAsync(answer.Active, cancellationToken) ?? current?.Active;
        var shadow = answer.Shadow is null ? null : await LoadAsync(answer.Shadow, cancellationToken);
        var next = new Deployment(active, shadow, shadow is null ? 0 : answer.ShadowShare);
        if (next.Active?.Registration?.Version != current?.Active?.Registration?.Version || next.Shadow?.Registration?.Version != current?.Shadow?.Registration?.Version
            || next.ShadowShare != current?.ShadowShare)
        {
            LogDeployment(_options.ModelName!, next.Active?.Registration?.Version ?? "none (configured model)", next.Shadow?.Registration?.Version ?? "none", next.ShadowShare);
        }

        _deployment = next;
        _firstAnswer.TrySetResult();
    }

    private async Task<LoadedModel?> LoadAsync(RegisteredModel registration, CancellationToken cancellationToken)
    {
        var key = (registration.Name, registration.Version);
        if (_loaded.TryGetValue(key, out var model))
        {
            return model;
        }

        if (_refused.TryGetValue(key, out var refusedAt) && clock.GetUtcNow() - refusedAt < RefusalBackoff)
        {
            return null;
        }

        await _loading.WaitAsync(cancellationToken);
        try
        {
            if (_loaded.TryGetValue(key, out model))
            {
                return model;
            }

            model = await loader.LoadAsync(registration, cancellationToken);
            model.LastUsed = clock.GetUtcNow();
            _loaded[key] = model;
            _refused.TryRemove(key, out _);
            return model;
        }
        catch (Exception e) when (e is ModelIntegrityException or IOException or Microsoft.ML.OnnxRuntime.OnnxRuntimeException)
        {
            _refused[key] = clock.GetUtcNow();
            LogRefused(e, registration.Name, registration.Version);
            return null;
        }
        finally
        {
            _loading.Release();
        }
    }

    /// <summary>Unloads versions neither lane has used for a while (an in-flight batch finished with them long ago).</summary>
    private void Unload()
    {
        var deployment = _deployment;
        var now = clock.GetUtcNow();
        foreach (var (key, model) in _loaded)
        {
            if (model != deployment?.Active && model != deployment?.Shadow && now - model.LastUsed > IdleUnload && _loaded.TryRemove(key, out _))
            {
                (model.Classifier as IDisposable)?.Dispose();
                LogUnloaded(key.Name, key.Version);
            }
        }
    }

    private sealed record Deployment(LoadedModel? Active, LoadedModel? Shadow, double ShadowShare);

    [LoggerMessage(Level = LogLevel.Information, Message = "Registry deployment of {RegistryName}: active {Active}, shadow {Shadow} on {ShadowShare:P0} of media")]
    private partial void LogDeployment(string registryName, string active, string shadow, double shadowShare);

    [LoggerMessage(Level = LogLevel.Error, Message = "Registered model {RegistryName} {RegistryVersion} REFUSED; what was in force stays")]
    private partial void LogRefused(Exception exception, string registryName, string registryVersion);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Results did not answer for the model deployment ({Error}); {InForce} stays in force")]
    private partial void LogRegistryUnavailable(string error, string inForce);

    [LoggerMessage(Level = LogLevel.Information, Message = "Registered model {RegistryName} {RegistryVersion} unloaded (unused)")]
    private partial void LogUnloaded(string registryName, string registryVersion);
}
