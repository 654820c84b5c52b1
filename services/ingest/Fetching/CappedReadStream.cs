using Moderation.BlobStorage;

namespace Moderation.Ingest.Fetching;

/// <summary>Fails a read that would take the total past <paramref name="limit"/> bytes; a server's Content-Length is not trusted.</summary>
internal sealed class CappedReadStream(Stream inner, long limit, Func<long, Exception> tooLarge) : ForwardOnlyStream
{
    private long _read;

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = await inner.ReadAsync(buffer, cancellationToken);
        _read += read;
        return _read > limit ? throw tooLarge(limit) : read;
    }

    public override long Position { get => _read; set => throw new NotSupportedException(); }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }
}
