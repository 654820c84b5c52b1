using Microsoft.Extensions.Options;
using Moderation.Contracts.Heads;

namespace Moderation.Classifier.Inference;

/// <summary>
/// The feedback head in force, if any: <c>head.json</c> as results publishes it (write and rename), loaded at start and
/// reloaded when the file changes. A head that does not fit the loaded model (another base version, embedding size or
/// class set) or does not parse is refused with an error in the log, and the previous state (base model or previous head)
/// stays in force, so a bad file never changes scores. Deleting the file returns to the base model.
/// </summary>
public sealed partial class FeedbackHead(IFrameClassifier classifier, IOptions<ClassifierOptions> options, TimeProvider clock, ILogger<FeedbackHead> logger)
    : BackgroundService
{
    private readonly string _path = options.Value.EffectiveFeedbackHeadPath;
    private (DateTime Written, long Length)? _seen;
    private volatile Applied? _current;

    /// <summary>The head in force and the model's class index of each of its classes; null: the base model alone.</summary>
    public Applied? Current => _current;

    /// <summary>Checks the file once: loads a new or changed head, drops a deleted one. Returns the head in force.</summary>
    public Applied? Refresh()
    {
        var file = new FileInfo(_path);
        if (!file.Exists)
        {
            if (_current is { } dropped)
            {
                LogRemoved(_path, dropped.Head.Version);
            }

            _seen = null;
            _current = null;
            return null;
        }

        var stamp = (file.LastWriteTimeUtc, file.Length);
        if (_seen == stamp)
        {
            return _current;
        }

        _seen = stamp;
        var model = classifier.Model;
        try
        {
            var head = HeadFile.Parse(File.ReadAllText(_path));
            if (head.Incompatibility(model.Name, model.Version, model.Outputs.EmbeddingSize, [.. model.Classes]) is { } why)
            {
                LogRefused(_path, why);
                return _current;
            }

            var indices = head.Classes.Select(c => model.Classes.ToList().IndexOf(c.Class)).ToArray();
            _current = new Applied(head, indices);
            LogLoaded(head.Version, string.Join(", ", head.Classes.Select(c => c.Class)), model.Name, model.Version);
        }
        catch (Exception e) when (e is IOException or System.Text.Json.JsonException or InvalidDataException or UnauthorizedAccessException)
        {
            LogUnreadable(e, _path);
        }

        return _current;
    }

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        if (options.Value.UseFeedbackHead)
        {
            Refresh();
        }

        return base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.UseFeedbackHead)
        {
            return;
        }

        using var timer = new PeriodicTimer(options.Value.FeedbackHeadReloadInterval, clock);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            Refresh();
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

    [LoggerMessage(Level = LogLevel.Information, Message = "Feedback head {HeadVersion} in force for {Classes} on {ModelName} {ModelVersion}")]
    private partial void LogLoaded(string headVersion, string classes, string modelName, string modelVersion);

    [LoggerMessage(Level = LogLevel.Error, Message = "Feedback head {Path} refused, scores stay as they were: {Reason}")]
    private partial void LogRefused(string path, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Feedback head {Path} could not be read; scores stay as they were")]
    private partial void LogUnreadable(Exception exception, string path);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Feedback head {Path} removed: back to the base model instead of head {HeadVersion}")]
    private partial void LogRemoved(string path, string headVersion);
}
