using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Moderation.BlobStorage;
using Moderation.Ingest.Intake;
using Xunit;

namespace Moderation.Ingest.Tests;

/// <summary>
/// What an ingest killed mid-request leaves in the blob store is removed once it is old enough, and nothing else: staged
/// uploads by their last write, incomplete writes after the longer abandoned-write age; media and frames are never touched.
/// </summary>
public sealed class StagingSweeperTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("ingest-sweeper-").FullName;
    private readonly ServiceProvider _metrics = new ServiceCollection().AddMetrics().BuildServiceProvider();

    [Fact]
    public async Task Old_staged_uploads_and_abandoned_partial_files_are_removed_fresh_ones_and_media_are_kept()
    {
        var store = new FileSystemBlobStore(Options.Create(new BlobStoreOptions { Root = _root }));
        var now = DateTime.UtcNow;
        var oldStaged = await PutAsync(store, "incoming/0195a1b2c3d4", now.AddHours(-2));
        var freshStaged = await PutAsync(store, "incoming/0195a1b2c3d5", now.AddMinutes(-10));
        var oldMedia = await PutAsync(store, BlobStorageExtensions.MediaKey(new string('a', 64)), now.AddDays(-30));
        var oldFrame = await PutAsync(store, BlobStorageExtensions.FrameKey(Guid.NewGuid(), 0), now.AddDays(-30));
        var abandoned = Partial("incoming/0195a1b2c3d6", now.AddHours(-25));
        var writing = Partial("incoming/0195a1b2c3d7", now.AddHours(-2));
        var sweeper = new StagingSweeper(store, Options.Create(new IntakeOptions()), TimeProvider.System,
            _metrics.GetRequiredService<IMeterFactory>(), NullLogger<StagingSweeper>.Instance);

        var (staged, incomplete) = await sweeper.SweepAsync(CancellationToken.None);

        Assert.Equal((1, 1), (staged, incomplete));
        Assert.False(File.Exists(oldStaged));
        Assert.False(File.Exists(abandoned));
        Assert.All([freshStaged, oldMedia, oldFrame, writing], path => Assert.True(File.Exists(path), path));
        Assert.Equal((0, 0), await sweeper.SweepAsync(CancellationToken.None));
    }

    public void Dispose()
    {
        _metrics.Dispose();
        Directory.Delete(_root, recursive: true);
    }

    private static async Task<string> PutAsync(FileSystemBlobStore store, string key, DateTime lastWrite)
    {
        await store.PutAsync(key, new MemoryStream([1, 2, 3]), CancellationToken.None);
        var path = store.TryGetLocalPath(key)!;
        File.SetLastWriteTimeUtc(path, lastWrite);
        return path;
    }

    private string Partial(string key, DateTime lastWrite)
    {
        var path = Path.Combine(_root, key + ".partial-" + Guid.NewGuid().ToString("N"));
        File.WriteAllBytes(path, [1]);
        File.SetLastWriteTimeUtc(path, lastWrite);
        return path;
    }
}
