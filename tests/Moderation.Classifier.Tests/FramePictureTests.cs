using Microsoft.Extensions.Options;
using Moderation.BlobStorage;
using Moderation.Contracts.V1;

namespace Moderation.Classifier.Tests;

/// <summary>Where a frame's picture comes from: the shared blob store, inline bytes, or the previous contract's field.</summary>
public sealed class FramePictureTests(ModelFixture fixture) : IClassFixture<ModelFixture>
{
    private static readonly TimeSpan ResultTimeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_frame_named_by_blob_key_is_scored_from_the_store_as_if_inline_and_a_missing_blob_fails_only_its_frame()
    {
        var root = Directory.CreateTempSubdirectory("classifier-blobs-").FullName;
        var store = new FileSystemBlobStore(Options.Create(new BlobStoreOptions { Root = root }));
        var pictures = (await TestFrames.PatternsAsync(2)).ToArray();
        await store.PutAsync("media/ab/original", new MemoryStream(pictures[0]), CancellationToken.None);
        await using var host = ClassifierHost.Start(fixture.RabbitMqUri, fixture.ManifestPath, new Dictionary<string, string> { ["BlobStore:Root"] = root });
        await using var bus = await FrameBus.StartAsync(fixture.RabbitMqUri);
        var mediaId = Guid.NewGuid();

        await bus.PublishAsync(
            Frame(mediaId, 0, null, "media/ab/original"),
            Frame(mediaId, 1, pictures[0], null),
            Frame(mediaId, 2, null, "media/cd/never-stored"));
        await bus.WaitForResultsAsync(3, ResultTimeout);

        Assert.Equal(bus.Classified[(mediaId, 1)].Scores, bus.Classified[(mediaId, 0)].Scores);
        var reference = await host.ReferenceScoresAsync([pictures[0]]);
        BatchingTests.AssertScores(reference[0], bus.Classified[(mediaId, 0)]);
        Assert.Equal(FailureReasons.BlobMissing, bus.Failed[(mediaId, 2)].Reason);
    }

    [Fact]
    public async Task A_frame_of_the_previous_contract_with_only_its_jpeg_is_classified_while_extractors_roll()
    {
        var picture = (await TestFrames.PatternsAsync(1))[0];
        await using var host = ClassifierHost.Start(fixture.RabbitMqUri, fixture.ManifestPath);
        await using var bus = await FrameBus.StartAsync(fixture.RabbitMqUri);
        var mediaId = Guid.NewGuid();

        await bus.PublishAsync(Frame(mediaId, 0, null, null) with { Jpeg = picture });
        await bus.WaitForResultsAsync(1, ResultTimeout);

        var reference = await host.ReferenceScoresAsync([picture]);
        BatchingTests.AssertScores(reference[0], bus.Classified[(mediaId, 0)]);
        Assert.Empty(bus.Failed);
    }

    private static FrameExtracted Frame(Guid mediaId, int index, byte[]? image, string? blobKey) =>
        new(mediaId, mediaId, index, index, image, blobKey, 224, 224, SubmissionPriority.Normal);
}
