using Moderation.Contracts.V1;
using Moderation.Testing;
using Xunit;

namespace Moderation.FrameExtractor.Tests;

/// <summary>
/// The extractor hashes every video frame it decodes and asks results about it before the classifier gets it; results'
/// answer (played here by the fixture's observer) decides whether the frame is published, skipped, or the medium stops.
/// A still is decoded only by the classifier, which hashes and asks.
/// </summary>
[Collection(ExtractorServiceCollection.Name)]
public sealed class KnownContentTests(ExtractorServiceFixture service)
{
    [Fact]
    public async Task Every_sampled_frame_is_hashed_with_its_timestamp_and_its_seven_other_orientations_before_it_is_published()
    {
        var submitted = await service.SubmitAsync(await ExtractorMedia.TenSecondClipAsync());
        var media = await service.Log.For(submitted.MediaId).EndedAsync();

        Assert.Equal(media.Frames.Select(f => (f.FrameIndex, f.TimestampSeconds)), media.Hashes.Select(h => (h.FrameIndex, h.TimestampSeconds)));
        Assert.All(media.Hashes, h =>
        {
            Assert.Matches("^[0-9a-f]{64}$", h.Pdq);
            Assert.Equal(7, h.Orientations.Count);
            Assert.DoesNotContain(h.Pdq, h.Orientations);
            Assert.Equal((MediaKind.Video, submitted.ClientId), (h.Kind, h.ClientId));
            Assert.InRange(h.Quality, 50, 100);
        });
        Assert.True(media.Hashes.Select(h => h.Pdq).Distinct().Count() > 1, "testsrc2 moves: its frames hash differently");
    }

    [Fact]
    public async Task A_still_is_not_decoded_here_but_marked_for_the_classifier_to_hash_and_match_before_its_model()
    {
        var picture = TestMedia.UniqueCopy(await TestMedia.JpegAsync(800, 600));
        var submitted = await service.SubmitAsync(picture);
        var media = await service.Log.For(submitted.MediaId).EndedAsync();

        Assert.Empty(media.Hashes);
        Assert.True(media.Planned!.ExtractionComplete);
        Assert.Equal(1, media.Planned.PlannedFrames);
        var frame = Assert.Single(media.Frames);
        Assert.True(frame.MatchKnownContent);
        Assert.Equal((submitted.ClientId, submitted.Policy, submitted.BlobKey), (frame.ClientId, frame.Policy, frame.ImageBlobKey));
    }

    [Fact]
    public async Task A_video_stops_at_the_frame_known_content_decides_and_skips_the_frames_an_allow_bank_cleared()
    {
        var submitted = await service.StoreAsync(TestMedia.UniqueCopy(await ExtractorMedia.TenSecondClipAsync()));
        service.Log.AnswerHash = q => q.MediaId != submitted.MediaId ? null : q.FrameIndex switch
        {
            1 or 2 => new FrameHashMatched(q.MediaId, q.FrameIndex, FrameHashOutcome.Skip, null),
            >= 6 => new FrameHashMatched(q.MediaId, q.FrameIndex, FrameHashOutcome.Decided, Decision.Block),
            _ => null,
        };
        try
        {
            await service.Bus.Publish(submitted);
            var media = await service.Log.For(submitted.MediaId).EndedAsync();

            Assert.True(media.Completed!.Cancelled);
            Assert.Equal(media.Frames.Count, media.Completed.FrameCount);
            Assert.DoesNotContain(media.Frames, f => f.FrameIndex is 1 or 2 or >= 6);
            Assert.Contains(media.Hashes, h => h.FrameIndex == 6);
            Assert.True(media.Hashes.Count < 10, "the extraction stopped at the decided frame");
        }
        finally
        {
            service.Log.AnswerHash = null;
        }
    }
}
