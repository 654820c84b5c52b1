using System.Net;
using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Moderation.Auth;
using Moderation.BlobStorage;
using Moderation.Contracts.V1;
using Moderation.Ingest.Data;
using Moderation.Ingest.Tests.Infrastructure;
using Moderation.Testing;
using Npgsql;
using Xunit;

namespace Moderation.Ingest.Tests;

/// <summary>
/// Ingest's half of <c>DELETE /media/{id}</c> (results played by the pipeline stub): the blobs, under the races a running
/// cluster produces — the frame extractor deleting the same frames, two media with the same bytes erased at once, and an
/// upload of the same bytes arriving while they are being released.
/// </summary>
public sealed class ErasureTests(ErasureTests.Fixture ingest) : IClassFixture<ErasureTests.Fixture>
{
    public sealed class Fixture : IngestFixture;

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Delete_answers_200_and_removes_every_frame_while_the_frame_extractor_deletes_the_same_frames()
    {
        for (var round = 0; round < 3; round++)
        {
            var (id, _) = await UploadAsync(ingest.SubmitKey, await UniqueJpegAsync());
            var frames = Path.Combine(ingest.BlobRoot, BlobStorageExtensions.FramesPrefix(id));
            Directory.CreateDirectory(frames);
            var paths = Enumerable.Range(0, 3000).Select(i => Path.Combine(ingest.BlobRoot, BlobStorageExtensions.FrameKey(id, i))).ToArray();
            foreach (var path in paths)
            {
                await File.WriteAllBytesAsync(path, [1, 2, 3]);
            }

            // The extractor hears MediumErased as soon as results commits, while ingest is still finishing the same erasure.
            Task extractor = Task.CompletedTask;
            ingest.Pipeline.State.BeforeAnsweringCount = _ =>
            {
                extractor = Task.Run(() =>
                {
                    foreach (var path in paths.OrderBy(_ => Random.Shared.Next()))
                    {
                        File.Delete(path);
                    }
                });
                return Task.CompletedTask;
            };

            using var erased = await ingest.Client(ingest.SubmitKey).DeleteAsync($"/media/{id}");
            ingest.Pipeline.State.BeforeAnsweringCount = _ => Task.CompletedTask;
            await extractor;
            Assert.True(erased.StatusCode == HttpStatusCode.OK, $"round {round}: {(int)erased.StatusCode} {await erased.Content.ReadAsStringAsync()}");
            Assert.Empty(Directory.EnumerateFiles(frames));
        }
    }

    [Fact]
    public async Task Two_clients_media_with_the_same_bytes_erased_at_once_take_the_bytes_with_them()
    {
        var first = await ingest.CreateKeyAsync("same-bytes-1", ModerationScopes.Submit, ModerationScopes.Read);
        var second = await ingest.CreateKeyAsync("same-bytes-2", ModerationScopes.Submit, ModerationScopes.Read);
        for (var round = 0; round < 4; round++)
        {
            var jpeg = await UniqueJpegAsync();
            var (firstId, sha256) = await UploadAsync(first, jpeg);
            var (secondId, _) = await UploadAsync(second, jpeg);
            Assert.NotEqual(firstId, secondId);

            // Results erases both before either answer reaches ingest: each saw the other medium still there.
            var bothArrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var arrived = 0;
            ingest.Pipeline.State.BeforeErasure = async request =>
            {
                if (Interlocked.Increment(ref arrived) == 2)
                {
                    bothArrived.SetResult();
                }

                await bothArrived.Task.WaitAsync(Timeout);
            };

            var erasures = await Task.WhenAll(
                ingest.Client(first).DeleteAsync($"/media/{firstId}"),
                ingest.Client(second).DeleteAsync($"/media/{secondId}"));
            ingest.Pipeline.State.BeforeErasure = _ => Task.CompletedTask;
            foreach (var erased in erasures)
            {
                using (erased)
                {
                    Assert.True(erased.StatusCode == HttpStatusCode.OK, $"{(int)erased.StatusCode} {await erased.Content.ReadAsStringAsync()}");
                }
            }

            Assert.False(File.Exists(OriginalPath(sha256)), $"round {round}: the last reference is gone, so must the bytes be");
            Assert.Equal(0, await QueryAsync(db => db.Submissions.CountAsync(s => s.Sha256 == sha256)));
            Assert.Equal(2, await QueryAsync(db => db.Erasures.CountAsync(e => e.Sha256 == sha256)));
        }
    }

    [Fact]
    public async Task An_upload_of_the_same_bytes_while_they_are_being_released_keeps_them_for_its_medium()
    {
        var eraser = await ingest.CreateKeyAsync("releasing", ModerationScopes.Submit, ModerationScopes.Read);
        var uploader = await ingest.CreateKeyAsync("uploading", ModerationScopes.Submit, ModerationScopes.Read);
        var jpeg = await UniqueJpegAsync();
        var (erasedId, sha256) = await UploadAsync(eraser, jpeg);

        // Results has counted no other medium; before its answer arrives, another client uploads the same bytes. That
        // upload must not find the bytes in place and record its reference only for them to be deleted under it.
        Task<HttpResponseMessage>? upload = null;
        ingest.Pipeline.State.BeforeAnsweringCount = async request =>
        {
            upload = ingest.Client(uploader).PostAsync("/media", Http.Bytes(jpeg));
            await Eventually(async () => upload.IsCompleted || await WaitingForContentLockAsync(), "the upload to finish or wait for the content's lock");
        };

        using (var erased = await ingest.Client(eraser).DeleteAsync($"/media/{erasedId}"))
        {
            Assert.True(erased.StatusCode == HttpStatusCode.OK, $"{(int)erased.StatusCode} {await erased.Content.ReadAsStringAsync()}");
        }

        ingest.Pipeline.State.BeforeAnsweringCount = _ => Task.CompletedTask;
        using var uploaded = await upload!;
        var accepted = await Http.AssertAcceptedAsync(uploaded);
        Assert.True(File.Exists(OriginalPath(sha256)), "the new medium references the bytes");
        Assert.Equal(sha256, Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(OriginalPath(sha256)))));
        Assert.Equal(1, await QueryAsync(db => db.Submissions.CountAsync(s => s.Sha256 == sha256 && s.MediaId == accepted.MediaId && s.BlobKey != null)));
        Assert.Equal(0, await QueryAsync(db => db.Submissions.CountAsync(s => s.MediaId == erasedId)));
    }

    [Fact]
    public async Task The_same_client_re_uploading_its_bytes_while_the_medium_is_erased_gets_a_new_medium_not_the_erased_one()
    {
        var key = await ingest.CreateKeyAsync("re-uploading", ModerationScopes.Submit, ModerationScopes.Read);
        var jpeg = await UniqueJpegAsync();
        var (erasedId, sha256) = await UploadAsync(key, jpeg);
        // Results judged it: the re-upload finds this verdict, of the client's own medium, before the erasure ends.
        ingest.Pipeline.State.VerdictsBySha256[sha256] = new MediaStatus(erasedId, true, MediaStates.Completed, null, sha256, 1, 1, 1,
            new MediaVerdict(Decision.Allow, [new ClassMaximum("Neutral", 0.9f, 0, 0)], "mobilenet_v2", "1.0.0", "default", 1, false, false, DateTimeOffset.UtcNow), null);

        Task<HttpResponseMessage>? upload = null;
        ingest.Pipeline.State.BeforeAnsweringCount = async request =>
        {
            upload = ingest.Client(key).PostAsync("/media", Http.Bytes(jpeg));
            await Eventually(async () => upload.IsCompleted || await WaitingForContentLockAsync(), "the re-upload to finish or wait for the content's lock");
        };

        using (var erased = await ingest.Client(key).DeleteAsync($"/media/{erasedId}"))
        {
            Assert.True(erased.StatusCode == HttpStatusCode.OK, $"{(int)erased.StatusCode} {await erased.Content.ReadAsStringAsync()}");
        }

        ingest.Pipeline.State.BeforeAnsweringCount = _ => Task.CompletedTask;
        using var uploaded = await upload!;
        var accepted = await Http.AssertAcceptedAsync(uploaded);
        Assert.NotEqual(erasedId, accepted.MediaId);
        Assert.True(File.Exists(OriginalPath(sha256)), "the new medium references the bytes");
        Assert.Equal(0, await QueryAsync(db => db.Submissions.CountAsync(s => s.MediaId == erasedId)));
        using var status = await ingest.Client(key).GetAsync($"/media/{erasedId}");
        Assert.Equal(HttpStatusCode.NotFound, status.StatusCode);
    }

    private async Task<(Guid MediaId, string Sha256)> UploadAsync(string key, byte[] bytes)
    {
        using var response = await ingest.Client(key).PostAsync("/media", Http.Bytes(bytes));
        var accepted = await Http.AssertAcceptedAsync(response);
        await ingest.Pipeline.State.WaitForSubmittedAsync(m => m.MediaId == accepted.MediaId);
        return (accepted.MediaId, Convert.ToHexStringLower(SHA256.HashData(bytes)));
    }

    private static async Task<byte[]> UniqueJpegAsync() => await File.ReadAllBytesAsync(TestMedia.UniqueCopy(await TestMedia.JpegAsync(120, 90)));

    private string OriginalPath(string sha256) => Path.Combine(ingest.BlobRoot, BlobStorageExtensions.MediaKey(sha256));

    private async Task<T> QueryAsync<T>(Func<IngestDbContext, Task<T>> query)
    {
        await using var scope = ingest.Factory.Services.CreateAsyncScope();
        return await query(scope.ServiceProvider.GetRequiredService<IngestDbContext>());
    }

    /// <summary>Whether a session of this test's database waits for an advisory lock (the content's lock).</summary>
    private async Task<bool> WaitingForContentLockAsync()
    {
        await using var connection = new NpgsqlConnection(ingest.DatabaseConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND wait_event = 'advisory'", connection);
        return (long)(await command.ExecuteScalarAsync())! > 0;
    }

    private static async Task Eventually(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out waiting for {what}.");
            }

            await Task.Delay(20);
        }
    }
}
