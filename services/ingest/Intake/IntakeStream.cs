using System.Security.Cryptography;
using Moderation.BlobStorage;

namespace Moderation.Ingest.Intake;

/// <summary>
/// Read-only pass-through that replays the sniffed head, then the rest of the source, hashing and counting every byte
/// on the way to the blob store, and failing as soon as the content passes its size limit — so the whole file is never
/// in memory and an oversized upload is cut off rather than stored.
/// </summary>
internal sealed class IntakeStream(ReadOnlyMemory<byte> head, Stream source, long limit, Func<long, Exception> tooLarge) : ForwardOnlyStream
{
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private ReadOnlyMemory<byte> _head = head;

    public long BytesRead { get; private set; }

    public string Sha256() => Convert.ToHexStringLower(_hash.GetHashAndReset());

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        int read;
        if (!_head.IsEmpty)
        {
            read = Math.Min(buffer.Length, _head.Length);
            _head[..read].CopyTo(buffer);
            _head = _head[read..];
        }
        else
        {
            read = await source.ReadAsync(buffer, cancellationToken);
        }

        BytesRead += read;
        if (BytesRead > limit)
        {
            throw tooLarge(limit);
        }

        _hash.AppendData(buffer.Span[..read]);
        return read;
    }

    public override long Position { get => BytesRead; set => throw new NotSupportedException(); }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _hash.Dispose();
        }

        base.Dispose(disposing);
    }
}
