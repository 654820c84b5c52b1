using Microsoft.Extensions.Options;

namespace Moderation.BlobStorage;

/// <summary>Blobs as files under one root; writes go to a temporary file that is renamed into place when complete.</summary>
public sealed class FileSystemBlobStore : IBlobStore
{
    private const string PartialMarker = ".partial-";

    private readonly string _root;

    public FileSystemBlobStore(IOptions<BlobStoreOptions> options)
    {
        _root = Path.GetFullPath(options.Value.Root);
        Directory.CreateDirectory(_root);
    }

    public async Task<StoredBlob> PutAsync(string key, Stream content, CancellationToken cancellationToken)
    {
        var path = Resolve(key);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temporary = path + PartialMarker + Guid.NewGuid().ToString("N");
        try
        {
            await using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, FileOptions.Asynchronous))
            {
                await content.CopyToAsync(file, cancellationToken);
                await file.FlushAsync(cancellationToken);
            }

            File.Move(temporary, path, overwrite: true);
            return new StoredBlob(key, new FileInfo(path).Length);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    public Task<Stream?> OpenReadAsync(string key, CancellationToken cancellationToken)
    {
        var path = Resolve(key);
        Stream? stream = File.Exists(path)
            ? new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 81920, FileOptions.Asynchronous | FileOptions.SequentialScan)
            : null;
        return Task.FromResult(stream);
    }

    public string? TryGetLocalPath(string key) => Resolve(key);

    public Task<bool> ExistsAsync(string key, CancellationToken cancellationToken) => Task.FromResult(File.Exists(Resolve(key)));

    public Task DeleteAsync(string key, CancellationToken cancellationToken)
    {
        var path = Resolve(key);
        try
        {
            File.Delete(path);
        }
        catch (DirectoryNotFoundException)
        {
            // Nothing was ever stored under this prefix: already deleted.
        }

        return Task.CompletedTask;
    }

    public async IAsyncEnumerable<BlobInfo> ListAsync(string prefix, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var directory = Resolve(prefix);
        if (!Directory.Exists(directory))
        {
            yield break;
        }

        foreach (var file in new DirectoryInfo(directory).EnumerateFiles("*", SearchOption.AllDirectories))
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!file.Name.Contains(PartialMarker, StringComparison.Ordinal) && Describe(file) is { } blob)
            {
                yield return blob;
            }
        }

        await Task.CompletedTask;
    }

    /// <summary>
    /// The listed file's size and time, read from the file itself (the directory entry has only its name), or null when it
    /// was deleted since it was listed: another process erasing the same frames, say.
    /// </summary>
    private BlobInfo? Describe(FileInfo file)
    {
        try
        {
            return new BlobInfo(Path.GetRelativePath(_root, file.FullName).Replace(Path.DirectorySeparatorChar, '/'), file.Length, file.LastWriteTimeUtc);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
    }

    /// <summary>Partial files (a write in progress renews their time; a killed writer's stops) last written before the cutoff.</summary>
    public Task<int> RemoveAbandonedWritesAsync(DateTimeOffset cutoff, CancellationToken cancellationToken)
    {
        var removed = 0;
        foreach (var file in new DirectoryInfo(_root).EnumerateFiles("*" + PartialMarker + "*", SearchOption.AllDirectories))
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (file.LastWriteTimeUtc < cutoff.UtcDateTime)
            {
                try
                {
                    file.Delete();
                    removed++;
                }
                catch (IOException)
                {
                    // Renamed into place or removed by its writer meanwhile.
                }
            }
        }

        return Task.FromResult(removed);
    }

    /// <summary>A rename within the root: atomic, and no bytes are copied.</summary>
    public Task MoveAsync(string from, string to, CancellationToken cancellationToken)
    {
        var target = Resolve(to);
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        File.Move(Resolve(from), target, overwrite: true);
        return Task.CompletedTask;
    }

    /// <summary>Maps a key to a path inside the root, refusing anything that would escape it.</summary>
    private string Resolve(string key)
    {
        var path = Path.GetFullPath(Path.Combine(_root, BlobKeys.Validate(key)));
        if (!path.StartsWith(_root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            throw new ArgumentException($"Blob key '{key}' escapes the store root.", nameof(key));
        }

        return path;
    }
}
