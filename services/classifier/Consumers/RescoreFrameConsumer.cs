using MassTransit;
using Moderation.BlobStorage;
using Moderation.Classifier.Inference;
using Moderation.Classifier.Registry;
using Moderation.Contracts.V1;

namespace Moderation.Classifier.Consumers;

/// <summary>
/// The bulk lane: scores a batch of a backfill's <see cref="RescoreFrame"/>s with the registered version each names, when
/// <see cref="BulkLaneGate"/> lets it (the live lane idle, or within its capped share), and answers a
/// <see cref="FrameRescored"/> for each — with the reason when a frame cannot be read or decoded. The frames are
/// acknowledged after every answer is confirmed; a worker killed meanwhile leaves them to be redelivered, and results keeps
/// one score per frame and version.
/// </summary>
public sealed class RescoreFrameConsumer(
    ModelLanes lanes,
    BulkLaneGate gate,
    FrameImageLoader loader,
    ClassifierMetrics metrics,
    ILogger<RescoreFrameConsumer> logger) : IConsumer<Batch<RescoreFrame>>
{
    public async Task Consume(ConsumeContext<Batch<RescoreFrame>> context)
    {
        var cancellationToken = context.CancellationToken;
        foreach (var group in context.Message.GroupBy(f => (f.Message.ModelName, f.Message.ModelVersion)))
        {
            var frames = group.ToList();
            var model = await lanes.VersionAsync(group.Key.ModelName, group.Key.ModelVersion, cancellationToken);
            if (model is null)
            {
                logger.LogError("Backfill frames name {RegistryName} {RegistryVersion}, which results does not know", group.Key.ModelName, group.Key.ModelVersion);
                await Task.WhenAll(frames.Select(f => f.Publish(Answer(f.Message, null, FailureReasons.Internal,
                    $"{group.Key.ModelName} {group.Key.ModelVersion} is not registered."), cancellationToken)));
                continue;
            }

            await gate.WaitTurnAsync(frames.Count, cancellationToken);
            var pictures = await Task.WhenAll(frames.Select(f => loader.LoadAsync(Picture(f.Message), cancellationToken)));
            var batch = model.Classifier.Batches.Rent();
            try
            {
                var slots = model.Preprocessor.Fill(batch, pictures);
                await model.Classifier.ClassifyAsync(batch, cancellationToken);
                var classes = model.Classifier.Model.Classes;
                await Task.WhenAll(frames.Select((f, i) => f.Publish(slots[i].Decoded
                    ? Answer(f.Message, FrameClassificationConsumer.Scores(classes, batch.ScoresOf(slots[i].Slot), batch.EmbeddingOf(slots[i].Slot), model.Head), null, null)
                    : Answer(f.Message, null, slots[i].Reason ?? FailureReasons.FrameUndecodable, slots[i].Error), cancellationToken)));
                metrics.Classified(slots.Count(s => s.Decoded));
            }
            finally
            {
                model.Classifier.Batches.Return(batch);
            }
        }
    }

    /// <summary>The picture's blob key: the still's original, or the medium's stored frame.</summary>
    private static string Picture(RescoreFrame m) =>
        m.OriginalSha256 is { } sha ? BlobStorageExtensions.MediaKey(sha) : BlobStorageExtensions.FrameKey(m.MediaId, m.FrameIndex);

    private static FrameRescored Answer(RescoreFrame m, IReadOnlyDictionary<string, float>? scores, string? reason, string? detail) =>
        new(m.BackfillId, m.MediaId, m.CorrelationId, m.FrameIndex, m.TimestampSeconds, m.ModelName, m.ModelVersion, scores, reason, detail);
}
