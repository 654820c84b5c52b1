using MassTransit;
using Microsoft.Extensions.Options;
using Moderation.Contracts.Heads;
using Moderation.Contracts.V1;

namespace Moderation.Classifier.Inference;

/// <summary>
/// The feedback head in force, if any. By default the worker asks results over RabbitMQ (<see cref="GetFeedbackHead"/>)
/// shortly after start and then every <see cref="ClassifierOptions.FeedbackHeadReloadInterval"/>, so a head published by
/// the nightly training reaches every worker and a withdrawn one leaves them; with
/// <see cref="ClassifierOptions.FeedbackHeadPath"/> set it reads that file instead (loaded before the first frame, reloaded
/// when it changes, removal returns to the base model). A head that does not fit the loaded model (another base version,
/// embedding size or class set) or does not parse is refused with an error in the log, and whatever was in force stays,
/// so a bad head never changes scores.
/// </summary>
public sealed partial class FeedbackHead(
    IFrameClassifier classifier,
    IServiceScopeFactory scopes,
    IHostApplicationLifetime lifetime,
    IOptions<ClassifierOptions> options,
    TimeProvider clock,
    ILogger<FeedbackHead> logger) : BackgroundService
{
    private readonly ClassifierOptions _options = options.Value;
    private (DateTime Written, long Length)? _seenFile;
    private string? _refusedVersion;
    private volatile Applied? _current;

    /// <summary>The head in force and the model's class index of each of its classes; null: the base model alone.</summary>
    public Applied? Current => _current;

    private bool FromFile => !string.IsNullOrEmpty(_options.FeedbackHeadPath);

    /// <summary>Checks the head file once: loads a new or changed head, drops a deleted one. Returns the head in force.</summary>
    public Applied? RefreshFromFile()
    {
        var path = _options.FeedbackHeadPath!;
        var file = new FileInfo(path);
        if (!file.Exists)
        {
            _seenFile = null;
            Drop(path);
            return null;
        }

        var stamp = (file.LastWriteTimeUtc, file.Length);
        if (_seenFile != stamp)
        {
            _seenFile = stamp;
            try
            {
                Adopt(File.ReadAllText(path), path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                LogUnreadable(e, path);
            }
        }

        return _current;
    }

    /// <summary>Asks results once for the newest published head of this model. Returns the head in force.</summary>
    public async Task<Applied?> RefreshFromResultsAsync(CancellationToken cancellationToken)
    {
        var model = classifier.Model;
        await using var scope = scopes.CreateAsyncScope();
        var client = scope.ServiceProvider.GetRequiredService<IRequestClient<GetFeedbackHead>>();
        var answer = (await client.GetResponse<FeedbackHeadAnswer>(new GetFeedbackHead(model.Name, model.Version), cancellationToken,
            RequestTimeout.After(s: 10))).Message;
        if (answer.HeadJson is null)
        {
            Drop("results");
        }
        else if (answer.Version != _current?.Head.Version && answer.Version != _refusedVersion)
        {
            Adopt(answer.HeadJson, "results");
        }

        return _current;
    }

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        // A file is read before the bus starts, so the first frame is already scored with it; results can only be asked
        // once the bus runs (below).
        if (_options.UseFeedbackHead && FromFile)
        {
            RefreshFromFile();
        }

        return base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_options.UseFeedbackHead)
        {
            return;
        }

        if (!FromFile)
        {
            // Results is asked over the bus, which starts after this service: wait until the host has started.
            var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            using (lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
            {
                await started.Task.WaitAsync(stoppingToken);
            }
        }

        using var timer = new PeriodicTimer(_options.FeedbackHeadReloadInterval, clock);
        do
        {
            if (FromFile)
            {
                RefreshFromFile();
                continue;
            }

            try
            {
                await RefreshFromResultsAsync(stoppingToken);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                // Never fatal: the worker scores with whatever is in force and asks again next period.
                LogResultsUnavailable(e.Message, _current?.Head.Version ?? "the base model");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    private void Adopt(string json, string source)
    {
        var model = classifier.Model;
        HeadFile head;
        try
        {
            head = HeadFile.Parse(json);
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or InvalidDataException or NotSupportedException)
        {
            LogUnreadable(e, source);
            return;
        }

        if (head.Incompatibility(model.Name, model.Version, model.Outputs.EmbeddingSize, [.. model.Classes]) is { } why)
        {
            _refusedVersion = head.Version;
            LogRefused(source, head.Version, why);
            return;
        }

        var classes = model.Classes.ToList();
        _current = new Applied(head, [.. head.Classes.Select(c => classes.IndexOf(c.Class))]);
        _refusedVersion = null;
        LogLoaded(head.Version, source, string.Join(", ", head.Classes.Select(c => c.Class)), model.Name, model.Version);
    }

    private void Drop(string source)
    {
        if (_current is { } dropped)
        {
            _current = null;
            LogRemoved(source, dropped.Head.Version);
        }
    }

    /// <summary>A head ready to apply: <see cref="ClassIndices"/>[i] is the model's index of <c>Head.Classes[i]</c>.</summary>
    public sealed record Applied(HeadFile Head, int[] ClassIndices)
    {
        /// <summary>Replaces the covered classes' probabilities of one frame with the head's, from the frame's embedding.</summary>
        public void Apply(Span<float> probabilities, ReadOnlySpan<float> embedding)
        {
            for (var i = 0; i < ClassIndices.Length; i++)
            {
                probabilities[ClassIndices[i]] = (float)Head.Classes[i].Probability(embedding);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Feedback head {HeadVersion} (from {Source}) in force for {Classes} on {ModelName} {ModelVersion}")]
    private partial void LogLoaded(string headVersion, string source, string classes, string modelName, string modelVersion);

    [LoggerMessage(Level = LogLevel.Error, Message = "Feedback head {HeadVersion} from {Source} refused, scores stay as they were: {Reason}")]
    private partial void LogRefused(string source, string headVersion, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Feedback head from {Source} could not be read; scores stay as they were")]
    private partial void LogUnreadable(Exception exception, string source);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Feedback head {HeadVersion} withdrawn ({Source}): back to the base model")]
    private partial void LogRemoved(string source, string headVersion);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Results did not answer for the feedback head ({Error}); {InForce} stays in force")]
    private partial void LogResultsUnavailable(string error, string inForce);
}
