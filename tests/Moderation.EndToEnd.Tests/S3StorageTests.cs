using Amazon.S3.Model;
using Moderation.BlobStorage;
using Moderation.FrameExtractor.Options;
using Moderation.FrameExtractor.Sampling;
using Moderation.Testing;

namespace Moderation.EndToEnd.Tests;

/// <summary>
/// The whole cluster with its media in an S3-compatible bucket (<c>BlobStore__Kind=s3</c>) instead of a shared volume:
/// ingest stages and promotes uploads in the bucket, the frame extractor reads them from it and writes frames back.
/// </summary>
public sealed class S3StorageTests : OwnClusterTests
{
    private readonly string _bucket = S3Server.NewBucketName("cluster");
    private S3Server _s3 = null!;

    protected override async Task PrepareAsync() => _s3 = await S3Server.GetAsync();

    protected override void Configure(string service, IDictionary<string, string> env)
    {
        if (service is Cluster.Ingest or Cluster.FrameExtractor or Cluster.Classifier)
        {
            foreach (var (key, value) in _s3.ServiceSettings(_bucket))
            {
                env[key] = value;
            }
        }
    }

    [Fact]
    public async Task An_image_and_a_video_reach_verdicts_with_media_and_frames_stored_only_in_the_bucket()
    {
        var image = await Ingest.SubmitAcceptedAsync(await TestMedia.JpegAsync(640, 480));
        var video = await Ingest.SubmitAcceptedAsync(await TestMedia.VideoAsync(12, 320, 240, 10, 2));

        var imageEnd = await Ingest.WaitForEndAsync(image, TimeSpan.FromMinutes(2));
        var videoEnd = await Ingest.WaitForEndAsync(video, TimeSpan.FromMinutes(2));

        Assert.Equal("completed", IngestApi.State(imageEnd));
        Assert.Equal("completed", IngestApi.State(videoEnd));
        var expected = SamplingRule.For(12, new SamplingOptions()).FrameCount;
        Assert.Equal(expected, videoEnd["framesScored"]!.GetValue<int>());

        using var s3 = S3BlobStore.CreateClient(_s3.StoreOptions(_bucket).S3);
        var keys = new List<string>();
        var request = new ListObjectsV2Request { BucketName = _bucket };
        ListObjectsV2Response page;
        do
        {
            page = await s3.ListObjectsV2Async(request);
            keys.AddRange(page.S3Objects?.Select(o => o.Key) ?? []);
            request.ContinuationToken = page.NextContinuationToken;
        }
        while (page.IsTruncated == true);

        // Two content-addressed media, every sampled frame of the video, and no staged upload left behind.
        Assert.Equal(2, keys.Count(k => k.StartsWith("media/", StringComparison.Ordinal)));
        // The sampled frames; heatmaps of frames that scored a watched class high lie beside them, under heatmaps/.
        Assert.Equal(expected, keys.Count(k => k.StartsWith($"frames/{video:N}/", StringComparison.Ordinal) && !k.Contains("/heatmaps/", StringComparison.Ordinal)));
        Assert.DoesNotContain(keys, k => k.StartsWith("incoming/", StringComparison.Ordinal));
        var volume = Path.Combine(Cluster.Directory, "blobs");
        Assert.False(Directory.Exists(volume) && Directory.EnumerateFiles(volume, "*", SearchOption.AllDirectories).Any(), "nothing is written to the shared volume");
    }
}
