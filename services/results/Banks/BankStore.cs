using Microsoft.EntityFrameworkCore;
using Moderation.Pdq;
using Moderation.Results.Audit;
using Moderation.Results.Data;
using Npgsql;

namespace Moderation.Results.Banks;

/// <summary>How adding one hash to a bank went.</summary>
public enum EntryOutcome
{
    Added,
    Duplicate,
    BankNotFound,
}

/// <summary>The counts of one CSV import.</summary>
public sealed record ImportCounts(int Added, int Duplicate, int Invalid, IReadOnlyList<int> InvalidLines);

/// <summary>
/// The write side of the hash banks: every change of a bank's entries raises its revision in the same transaction (so
/// every replica's <see cref="BankIndex"/> reloads it before its next lookup) and is recorded in the audit log.
/// </summary>
public sealed class BankStore(ResultsDbContext db, BankIndex index, AuditLog audit, TimeProvider clock)
{
    /// <summary>PDQ's recommended match distance.</summary>
    public const int DefaultMaxDistance = PdqHash.DefaultMatchDistance;

    /// <summary>The largest match distance a bank may have: the radius the exact index answers for.</summary>
    public const int MaxDistanceLimit = 31;

    /// <summary>Rows per insert of an import.</summary>
    private const int ImportBatch = 5000;

    /// <summary>Invalid line numbers an import answers with, at most.</summary>
    private const int ReportedInvalidLines = 100;

    public Task<HashBank?> FindAsync(string name, CancellationToken cancellationToken) =>
        db.HashBanks.AsNoTracking().FirstOrDefaultAsync(b => b.Name == name, cancellationToken);

    /// <summary>Null when a bank of that name exists already.</summary>
    public async Task<HashBank?> CreateAsync(string name, BankAction action, int maxDistance, string? ownerClientId, AuditActor actor,
        CancellationToken cancellationToken)
    {
        var bank = new HashBank
        {
            Id = Guid.CreateVersion7(), Name = name, Action = action, MaxDistance = maxDistance, OwnerClientId = ownerClientId,
            CreatedAt = clock.GetUtcNow(), CreatedBy = actor.ClientId,
        };
        db.HashBanks.Add(bank);
        audit.Add(actor, AuditActions.BankCreated, null, new { bank = name, action, maxDistance, owner = ownerClientId });
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException e) when (e.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            db.ChangeTracker.Clear();
            return null;
        }

        db.ChangeTracker.Clear();
        return bank;
    }

    /// <summary>Deletes a bank with its entries; false when there is none of that name.</summary>
    public async Task<bool> DeleteAsync(string name, AuditActor actor, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var deleted = await db.HashBanks.Where(b => b.Name == name).ExecuteDeleteAsync(cancellationToken);
        if (deleted == 0)
        {
            return false;
        }

        audit.Add(actor, AuditActions.BankDeleted, null, new { bank = name });
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        db.ChangeTracker.Clear();
        await index.RefreshAsync(db, cancellationToken);
        return true;
    }

    /// <summary>Adds one hash to the bank (the bank's revision moves with it); a hash the bank holds already is a duplicate.</summary>
    public async Task<(EntryOutcome Outcome, BankEntry? Entry)> AddAsync(HashBank bank, BankEntry entry, AuditActor actor, CancellationToken cancellationToken)
    {
        entry.Id = Guid.CreateVersion7();
        entry.BankId = bank.Id;
        entry.AddedBy = actor.ClientId;
        entry.AddedAt = clock.GetUtcNow();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var existing = await db.BankEntries.AsNoTracking().FirstOrDefaultAsync(e => e.BankId == bank.Id && e.Pdq == entry.Pdq, cancellationToken);
        if (existing is not null)
        {
            return (EntryOutcome.Duplicate, existing);
        }

        if (await BumpAsync(bank.Id, cancellationToken) is not { } revision)
        {
            return (EntryOutcome.BankNotFound, null);
        }

        entry.AddedRevision = revision;
        db.BankEntries.Add(entry);
        audit.Add(actor, AuditActions.BankEntriesAdded, entry.SourceMediaId, new { bank = bank.Name, added = 1, pdq = entry.Pdq, entry.SourceFrameIndex });
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException e) when (e.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            // The same hash added at the same moment by another request: that one is the entry.
            await transaction.RollbackAsync(cancellationToken);
            db.ChangeTracker.Clear();
            return (EntryOutcome.Duplicate, await db.BankEntries.AsNoTracking().FirstAsync(e => e.BankId == bank.Id && e.Pdq == entry.Pdq, cancellationToken));
        }

        await transaction.CommitAsync(cancellationToken);
        db.ChangeTracker.Clear();
        await index.RefreshAsync(db, cancellationToken);
        return (EntryOutcome.Added, entry);
    }

    /// <summary>
    /// Imports a hash list, one <c>pdq_hex[,note]</c> per line (the shape HMA and ThreatExchange exports use; a header
    /// line naming the columns and blank lines are skipped): every valid new hash is added in one transaction, hashes
    /// the bank holds already (or the list repeats) are counted as duplicates, other lines as invalid.
    /// </summary>
    public async Task<ImportCounts?> ImportAsync(string name, TextReader csv, AuditActor actor, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var bank = await db.HashBanks.FromSql($"SELECT * FROM hash_banks WHERE name = {name} FOR UPDATE").AsNoTracking().FirstOrDefaultAsync(cancellationToken);
        if (bank is null)
        {
            return null;
        }

        var now = clock.GetUtcNow();
        // The bank's row is locked: the revision this import produces is the next one.
        var revision = bank.Revision + 1;
        int added = 0, duplicate = 0, invalid = 0, lineNumber = 0;
        List<int> invalidLines = [];
        List<(string Pdq, string? Note)> batch = [];
        // Entries are paged and exported in id order: each batch's ids carry a later millisecond than the one before.
        var batches = 0;
        while (await csv.ReadLineAsync(cancellationToken) is { } line)
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            if (!TryParseLine(line, out var pdq, out var note))
            {
                if (lineNumber == 1 && IsHeader(line))
                {
                    continue;
                }

                invalid++;
                if (invalidLines.Count < ReportedInvalidLines)
                {
                    invalidLines.Add(lineNumber);
                }

                continue;
            }

            batch.Add((pdq, note));
            if (batch.Count == ImportBatch)
            {
                var inserted = await InsertAsync(bank.Id, revision, batch, actor.ClientId, now, now.AddMilliseconds(batches++), cancellationToken);
                added += inserted;
                duplicate += batch.Count - inserted;
                batch.Clear();
            }
        }

        if (batch.Count > 0)
        {
            var inserted = await InsertAsync(bank.Id, revision, batch, actor.ClientId, now, now.AddMilliseconds(batches++), cancellationToken);
            added += inserted;
            duplicate += batch.Count - inserted;
        }

        if (added > 0)
        {
            await BumpAsync(bank.Id, cancellationToken);
        }

        audit.Add(actor, AuditActions.BankEntriesAdded, null, new { bank = name, added, duplicate, invalid, import = true });
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        db.ChangeTracker.Clear();
        await index.RefreshAsync(db, cancellationToken);
        return new ImportCounts(added, duplicate, invalid, invalidLines);
    }

    /// <summary>Removes one entry; false when the bank holds no entry of that id.</summary>
    public async Task<bool> RemoveAsync(HashBank bank, Guid entryId, AuditActor actor, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var entry = await db.BankEntries.AsNoTracking().FirstOrDefaultAsync(e => e.Id == entryId && e.BankId == bank.Id, cancellationToken);
        if (entry is null)
        {
            return false;
        }

        await db.BankEntries.Where(e => e.Id == entryId).ExecuteDeleteAsync(cancellationToken);
        await RecordRemovalAsync(entry, cancellationToken);
        audit.Add(actor, AuditActions.BankEntryRemoved, entry.SourceMediaId, new { bank = bank.Name, pdq = entry.Pdq, entry.Note });
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        db.ChangeTracker.Clear();
        await index.RefreshAsync(db, cancellationToken);
        return true;
    }

    /// <summary>
    /// In the caller's transaction (a review decision's, holding the medium's row): adds the hash of the medium's frame
    /// (<paramref name="frameIndex"/>, by default a still's one picture or the frame that decided a video) to the bank,
    /// marked with the decision so that undoing it removes the entry. The bank must apply to the medium (global, or
    /// the medium's client's); the hash must be useful (quality ≥ 50). A hash the bank holds already is left as it is.
    /// </summary>
    /// <returns>The entry (new or existing), or the problem that prevents it.</returns>
    public async Task<(BankEntry? Entry, string? Problem)> AddFromReviewAsync(string bankName, Medium medium, Verdict verdict, int? frameIndex,
        Guid feedbackId, AuditActor actor, CancellationToken cancellationToken)
    {
        var bank = await db.HashBanks.AsNoTracking().FirstOrDefaultAsync(b => b.Name == bankName, cancellationToken);
        if (bank is null || (bank.OwnerClientId is not null && bank.OwnerClientId != medium.ClientId))
        {
            return (null, $"No bank '{bankName}' applies to this medium.");
        }

        var hashes = await db.MediumHashes.AsNoTracking().Where(h => h.MediaId == medium.Id).OrderBy(h => h.FrameIndex).ToListAsync(cancellationToken);
        var chosen = frameIndex ?? verdict.TriggerFrameIndex
            ?? verdict.Maxima.OrderByDescending(m => m.Score).Select(m => (int?)m.FrameIndex).FirstOrDefault()
            ?? hashes.FirstOrDefault()?.FrameIndex;
        var hash = hashes.FirstOrDefault(h => h.FrameIndex == chosen);
        if (hash is null)
        {
            return (null, frameIndex is null ? "The medium has no PDQ hash to bank." : $"Frame {frameIndex} of the medium has no PDQ hash.");
        }

        if (hash.Quality < PdqHash.MinUsefulQuality)
        {
            return (null, $"The frame's PDQ quality is {hash.Quality}, below {PdqHash.MinUsefulQuality}: too flat to bank.");
        }

        var existing = await db.BankEntries.AsNoTracking().FirstOrDefaultAsync(e => e.BankId == bank.Id && e.Pdq == hash.Pdq, cancellationToken);
        if (existing is not null)
        {
            return (existing, null);
        }

        var entry = new BankEntry
        {
            Id = Guid.CreateVersion7(), BankId = bank.Id, Pdq = hash.Pdq, Quality = hash.Quality, Note = $"review of {medium.Id} frame {hash.FrameIndex}",
            AddedBy = actor.ClientId, AddedAt = clock.GetUtcNow(), SourceMediaId = medium.Id, SourceFrameIndex = hash.FrameIndex, ReviewFeedbackId = feedbackId,
        };
        entry.AddedRevision = await BumpAsync(bank.Id, cancellationToken) ?? throw new InvalidOperationException($"Bank '{bank.Name}' is gone.");
        db.BankEntries.Add(entry);
        audit.Add(actor, AuditActions.BankEntriesAdded, medium.Id, new { bank = bank.Name, added = 1, pdq = entry.Pdq, entry.SourceFrameIndex, feedbackId });
        return (entry, null);
    }

    /// <summary>
    /// In the caller's transaction: removes the entries a review decision added (its undo), raising their banks'
    /// revisions. Returns how many went.
    /// </summary>
    public async Task<int> RemoveAddedByReviewAsync(Guid feedbackId, AuditActor actor, CancellationToken cancellationToken)
    {
        var entries = await db.BankEntries.AsNoTracking().Where(e => e.ReviewFeedbackId == feedbackId).ToListAsync(cancellationToken);
        foreach (var entry in entries)
        {
            await db.BankEntries.Where(e => e.Id == entry.Id).ExecuteDeleteAsync(cancellationToken);
            await RecordRemovalAsync(entry, cancellationToken);
            audit.Add(actor, AuditActions.BankEntryRemoved, entry.SourceMediaId, new { bankId = entry.BankId, pdq = entry.Pdq, undo = feedbackId });
        }

        return entries.Count;
    }

    /// <summary>A page of the bank's entries, oldest first, keyset-paged on the entry id (time-ordered).</summary>
    public async Task<List<BankEntry>> PageAsync(Guid bankId, Guid? after, int limit, CancellationToken cancellationToken)
    {
        var query = db.BankEntries.AsNoTracking().Where(e => e.BankId == bankId);
        if (after is { } cursor)
        {
            query = query.Where(e => e.Id.CompareTo(cursor) > 0);
        }

        return await query.OrderBy(e => e.Id).Take(limit).ToListAsync(cancellationToken);
    }

    /// <summary>Every entry of the bank, oldest first, streamed: the CSV export.</summary>
    public IAsyncEnumerable<BankEntry> AllAsync(Guid bankId) => db.BankEntries.AsNoTracking().Where(e => e.BankId == bankId).OrderBy(e => e.Id).AsAsyncEnumerable();

    /// <summary>A CSV line of the export, which the import reads back: the hash, and the note quoted when it needs it.</summary>
    public static string CsvLine(BankEntry entry)
    {
        if (string.IsNullOrEmpty(entry.Note))
        {
            return entry.Pdq;
        }

        var note = entry.Note.Replace("\r", " ", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal);
        return note.IndexOfAny([',', '"']) >= 0 || note != note.Trim()
            ? $"{entry.Pdq},\"{note.Replace("\"", "\"\"", StringComparison.Ordinal)}\""
            : $"{entry.Pdq},{note}";
    }

    /// <summary>One line of a hash list: a PDQ hash in hexadecimal, then optionally a note (quoted when it holds commas).</summary>
    public static bool TryParseLine(string line, out string pdq, out string? note)
    {
        note = null;
        var comma = line.IndexOf(',', StringComparison.Ordinal);
        var first = (comma < 0 ? line : line[..comma]).Trim().Trim('"');
        if (!PdqHash.TryParse(first, out var hash))
        {
            pdq = "";
            return false;
        }

        pdq = hash.ToHex();
        if (comma >= 0)
        {
            note = Unquote(line[(comma + 1)..].Trim());
            if (note.Length == 0)
            {
                note = null;
            }
            else if (note.Length > 1024)
            {
                note = note[..1024];
            }
        }

        return true;
    }

    private static bool IsHeader(string line)
    {
        var first = line.Split(',')[0].Trim().Trim('"');
        return first.Length > 0 && first.All(c => char.IsAsciiLetter(c) || c is '_' or ' ' or '-');
    }

    private static string Unquote(string field)
    {
        if (field.Length < 2 || field[0] != '"')
        {
            return field;
        }

        var closing = field.LastIndexOf('"');
        var inner = closing > 0 ? field[1..closing] : field[1..];
        return inner.Replace("\"\"", "\"", StringComparison.Ordinal);
    }

    /// <summary>
    /// Raises the bank's revision, taking its row lock (so changes of one bank are ordered), and answers the new one;
    /// null when the bank is gone.
    /// </summary>
    private async Task<long?> BumpAsync(Guid bankId, CancellationToken cancellationToken) =>
        (await db.Database.SqlQuery<long>($"UPDATE hash_banks SET revision = revision + 1 WHERE id = {bankId} RETURNING revision")
            .ToListAsync(cancellationToken)).Cast<long?>().FirstOrDefault();

    /// <summary>Raises the bank's revision for a removed entry and records the removal, which replicas apply to their index.</summary>
    private async Task RecordRemovalAsync(BankEntry entry, CancellationToken cancellationToken)
    {
        if (await BumpAsync(entry.BankId, cancellationToken) is { } revision)
        {
            db.BankEntryRemovals.Add(new BankEntryRemoval { BankId = entry.BankId, Revision = revision, Seq = entry.Seq, Pdq = entry.Pdq, RemovedAt = clock.GetUtcNow() });
        }
    }

    /// <summary>
    /// Inserts the batch's hashes the bank does not hold yet; returns how many were new. The ids (version 7: time, then
    /// random bits) share <paramref name="idTime"/> and are handed out sorted, so the list's order is the entries' order.
    /// </summary>
    private Task<int> InsertAsync(Guid bankId, long revision, List<(string Pdq, string? Note)> batch, string addedBy, DateTimeOffset now, DateTimeOffset idTime,
        CancellationToken cancellationToken)
    {
        var ids = batch.Select(_ => Guid.CreateVersion7(idTime)).Order().ToArray();
        var hashes = batch.Select(b => b.Pdq).ToArray();
        var notes = batch.Select(b => b.Note).ToArray();
        return db.Database.ExecuteSqlAsync(
            $"""
            INSERT INTO bank_entries (id, bank_id, pdq, note, added_by, added_at, added_revision)
            SELECT i.id, {bankId}, i.pdq, i.note, {addedBy}, {now}, {revision}
            FROM unnest({ids}, {hashes}, {notes}) AS i(id, pdq, note)
            ON CONFLICT (bank_id, pdq) DO NOTHING
            """,
            cancellationToken);
    }
}
