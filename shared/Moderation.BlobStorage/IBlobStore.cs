namespace Moderation.BlobStorage;

/// <summary>
/// Where uploaded media live. Keys are relative, slash-separated and produced by the store itself
/// (never taken from user input), e.g. <c>media/3f/3f2c…</c>.
/// </summary>
public interface IBlobStore
{
    /// <summary>Streams <paramref name="content"/> into a new blob; the blob becomes visible only when complete.</summary>
    Task<StoredBlob> PutAsync(string key, Stream content, CancellationToken cancellationToken);

    /// <summary>Opens a blob for reading, or returns null when it does not exist.</summary>
    Task<Stream?> OpenReadAsync(string key, CancellationToken cancellationToken);

    /// <summary>A local file path for tools that need one (ffmpeg); null when the store is not file-backed.</summary>
    string? TryGetLocalPath(string key);

    Task<bool> ExistsAsync(string key, CancellationToken cancellationToken);

    Task DeleteAsync(string key, CancellationToken cancellationToken);

    /// <summary>The complete blobs under a folder-like prefix (e.g. <c>incoming</c>), in no particular order.</summary>
    IAsyncEnumerable<BlobInfo> ListAsync(string prefix, CancellationToken cancellationToken);

    /// <summary>
    /// Removes writes that never completed and were last touched before <paramref name="cutoff"/> — what a process
    /// killed mid-upload leaves behind (a partial file, an unfinished multipart upload); returns how many.
    /// </summary>
    Task<int> RemoveAbandonedWritesAsync(DateTimeOffset cutoff, CancellationToken cancellationToken);

    /// <summary>
    /// Moves a complete blob to another key, replacing any blob already there; <paramref name="to"/> becomes visible only
    /// when complete. Used to promote an upload staged under a temporary key to its content-addressed key once its hash is
    /// known. Stores that can rename in place override this copy-then-delete default.
    /// </summary>
    async Task MoveAsync(string from, string to, CancellationToken cancellationToken)
    {
        await using (var source = await OpenReadAsync(from, cancellationToken)
            ?? throw new FileNotFoundException($"Blob '{from}' does not exist."))
        {
            await PutAsync(to, source, cancellationToken);
        }

        await DeleteAsync(from, cancellationToken);
    }
}

public sealed record StoredBlob(string Key, long Length);

public sealed record BlobInfo(string Key, long Length, DateTimeOffset LastModified);
