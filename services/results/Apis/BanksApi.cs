using System.Security.Claims;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Net.Http.Headers;
using Moderation.Auth;
using Moderation.Pdq;
using Moderation.Results.Audit;
using Moderation.Results.Banks;
using Moderation.Results.Data;

namespace Moderation.Results.Apis;

public sealed record BankRequest(string? Name, BankAction? Action, int? MaxDistance, string? ClientId);

/// <param name="ClientId">The client whose media the bank applies to; null for a global bank.</param>
public sealed record BankView(string Name, BankAction Action, int MaxDistance, string? ClientId, DateTimeOffset CreatedAt, string CreatedBy)
{
    public static BankView From(HashBank b) => new(b.Name, b.Action, b.MaxDistance, b.OwnerClientId, b.CreatedAt, b.CreatedBy);
}

public sealed record BankEntryRequest(string? Pdq, string? Note, int? Quality);

/// <param name="Duplicate">True when the bank held the hash already (the entry shown is the existing one).</param>
public sealed record BankEntryView(Guid Id, string Pdq, int? Quality, string? Note, string AddedBy, DateTimeOffset AddedAt, Guid? SourceMediaId,
    int? SourceFrameIndex, bool Duplicate = false)
{
    public static BankEntryView From(BankEntry e, bool duplicate = false) =>
        new(e.Id, e.Pdq, e.Quality, e.Note, e.AddedBy, e.AddedAt, e.SourceMediaId, e.SourceFrameIndex, duplicate);
}

public sealed record BankEntryPage(IReadOnlyList<BankEntryView> Items, Guid? NextAfter);

/// <summary>
/// Hash banks (admin scope, beside <c>/policies</c>; reviewers may list them): lists of known content by PDQ hash that decide matching media
/// before any model runs. See docs/hash-banks.md.
/// </summary>
public static partial class BanksApi
{
    public const int MaxPageSize = 1000;

    /// <summary>The largest picture an entry may be hashed from.</summary>
    public const long MaxPictureBytes = 64L * 1024 * 1024;

    /// <summary>
    /// The most a CSV import may carry. 10 M hashes with short notes fit; larger lists go in several imports.
    /// </summary>
    public const long MaxImportBytes = 1024L * 1024 * 1024;

    public static RouteGroupBuilder MapBanksApi(this IEndpointRouteBuilder app)
    {
        // Reviewers list the banks (to add a reviewed medium's hash to one with their decision); everything else is the administrators'.
        var group = app.MapGroup("/banks").WithTags("Hash banks").RequireAuthorization(ModerationScopes.Review);
        group.MapGet("/", ListAsync);
        group.MapGet("/{name}", GetAsync);
        group.MapPost("/", CreateAsync).RequireAuthorization(ModerationScopes.Admin);
        group.MapDelete("/{name}", DeleteAsync).RequireAuthorization(ModerationScopes.Admin);
        group.MapGet("/{name}/entries", EntriesAsync).RequireAuthorization(ModerationScopes.Admin);
        group.MapPost("/{name}/entries", AddEntryAsync).RequireAuthorization(ModerationScopes.Admin).DisableAntiforgery();
        group.MapPost("/{name}/entries:import", ImportAsync).RequireAuthorization(ModerationScopes.Admin)
            .WithMetadata(new Microsoft.AspNetCore.Mvc.RequestSizeLimitAttribute(MaxImportBytes));
        group.MapDelete("/{name}/entries/{id:guid}", RemoveEntryAsync).RequireAuthorization(ModerationScopes.Admin);
        return group;
    }

    public static async Task<Ok<List<BankView>>> ListAsync(ResultsDbContext db, CancellationToken cancellationToken) =>
        TypedResults.Ok((await db.HashBanks.AsNoTracking().OrderBy(b => b.Name).ToListAsync(cancellationToken)).Select(BankView.From).ToList());

    public static async Task<Results<Ok<BankView>, NotFound>> GetAsync(string name, BankStore store, CancellationToken cancellationToken) =>
        await store.FindAsync(name, cancellationToken) is { } bank ? TypedResults.Ok(BankView.From(bank)) : TypedResults.NotFound();

    /// <summary><c>{"name", "action": "block|review|allow", "maxDistance": 31, "clientId"}</c>; a bank without a client is global.</summary>
    public static async Task<Results<Created<BankView>, ValidationProblem, ProblemHttpResult>> CreateAsync(BankRequest request, ClaimsPrincipal user,
        BankStore store, CancellationToken cancellationToken)
    {
        List<string> errors = [];
        if (string.IsNullOrEmpty(request.Name) || !BankName().IsMatch(request.Name))
        {
            errors.Add("name: 1–64 characters of a-z, 0-9, '-', '_' or '.', starting with a letter or digit.");
        }

        if (request.Action is null)
        {
            errors.Add("action: one of block, review, allow.");
        }

        var maxDistance = request.MaxDistance ?? BankStore.DefaultMaxDistance;
        if (maxDistance is < 0 or > BankStore.MaxDistanceLimit)
        {
            errors.Add($"maxDistance: 0–{BankStore.MaxDistanceLimit} bits (PDQ's recommended match distance is {BankStore.DefaultMaxDistance}).");
        }

        if (request.ClientId is { } client && (client.Length is 0 or > 128))
        {
            errors.Add("clientId: 1–128 characters, or absent for a global bank.");
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["bank"] = [.. errors] });
        }

        var bank = await store.CreateAsync(request.Name!, request.Action!.Value, maxDistance, request.ClientId, AuditActor.From(user), cancellationToken);
        return bank is null
            ? TypedResults.Problem($"A bank named '{request.Name}' exists already.", statusCode: StatusCodes.Status409Conflict, title: "Bank exists",
                type: "urn:moderation:problem:bank-exists")
            : TypedResults.Created($"/banks/{bank.Name}", BankView.From(bank));
    }

    /// <summary>Deletes the bank and its entries: media are no longer matched against it.</summary>
    public static async Task<Results<NoContent, NotFound>> DeleteAsync(string name, ClaimsPrincipal user, BankStore store, CancellationToken cancellationToken) =>
        await store.DeleteAsync(name, AuditActor.From(user), cancellationToken) ? TypedResults.NoContent() : TypedResults.NotFound();

    /// <summary>
    /// Adds a hash: a multipart <c>file</c> (a picture the service hashes) with an optional <c>note</c> field, or JSON
    /// <c>{"pdq": "&lt;64 hex&gt;", "note": "..."}</c>. A hash below PDQ's useful quality is refused: it would match
    /// unrelated flat pictures.
    /// </summary>
    public static async Task<Results<Created<BankEntryView>, Ok<BankEntryView>, NotFound, ValidationProblem, ProblemHttpResult>> AddEntryAsync(
        string name, HttpRequest http, ClaimsPrincipal user, BankStore store, CancellationToken cancellationToken)
    {
        var bank = await store.FindAsync(name, cancellationToken);
        if (bank is null)
        {
            return TypedResults.NotFound();
        }

        BankEntry entry;
        if (http.HasFormContentType)
        {
            var form = await http.ReadFormAsync(cancellationToken);
            if (form.Files.GetFile("file") is not { Length: > 0 } file)
            {
                return Invalid("file", "A multipart 'file' with the picture to hash is required.");
            }

            if (file.Length > MaxPictureBytes)
            {
                return Invalid("file", $"At most {MaxPictureBytes / (1024 * 1024)} MiB.");
            }

            PdqResult hashed;
            await using (var stream = file.OpenReadStream())
            {
                if (await PictureHashing.HashAsync(stream, cancellationToken) is not { } result)
                {
                    return TypedResults.Problem("The file is not a picture the service can decode (JPEG, PNG, GIF, WebP, BMP).",
                        statusCode: StatusCodes.Status422UnprocessableEntity, title: "Undecodable picture", type: "urn:moderation:problem:undecodable-picture");
                }

                hashed = result;
            }

            if (LowQuality(hashed.Quality) is { } refusal)
            {
                return refusal;
            }

            entry = new BankEntry { Pdq = hashed.Hash.ToHex(), Quality = hashed.Quality, Note = Note(form["note"].ToString()) };
        }
        else
        {
            BankEntryRequest? request;
            try
            {
                request = await http.ReadFromJsonAsync<BankEntryRequest>(cancellationToken);
            }
            catch (Exception e) when (e is JsonException or InvalidOperationException)
            {
                return Invalid("body", "A multipart 'file', or JSON {\"pdq\": \"<64 hex digits>\", \"note\": \"...\"}.");
            }

            if (request?.Pdq is not { } text || !PdqHash.TryParse(text.Trim(), out var hash))
            {
                return Invalid("pdq", "A PDQ hash: 64 hexadecimal digits.");
            }

            if (request.Quality is { } quality && LowQuality(quality) is { } refusal)
            {
                return refusal;
            }

            entry = new BankEntry { Pdq = hash.ToHex(), Quality = request.Quality, Note = Note(request.Note) };
        }

        var (outcome, stored) = await store.AddAsync(bank, entry, AuditActor.From(user), cancellationToken);
        return outcome switch
        {
            EntryOutcome.Added => TypedResults.Created($"/banks/{bank.Name}/entries/{stored!.Id}", BankEntryView.From(stored)),
            EntryOutcome.Duplicate => TypedResults.Ok(BankEntryView.From(stored!, duplicate: true)),
            _ => TypedResults.NotFound(),
        };
    }

    /// <summary>A hash list as CSV, one <c>pdq_hex[,note]</c> per line: counts of added, duplicate and invalid lines.</summary>
    public static async Task<Results<Ok<ImportCounts>, NotFound>> ImportAsync(string name, HttpRequest http, ClaimsPrincipal user, BankStore store,
        CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(http.Body, Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        return await store.ImportAsync(name, reader, AuditActor.From(user), cancellationToken) is { } counts ? TypedResults.Ok(counts) : TypedResults.NotFound();
    }

    /// <summary>
    /// The bank's entries, oldest first: JSON pages (<c>limit</c>, then <c>after</c> = the page's <c>nextAfter</c>), or
    /// with <c>Accept: text/csv</c> the whole bank as a list the import reads back.
    /// </summary>
    public static async Task<IResult> EntriesAsync(string name, Guid? after, int? limit, HttpContext http, BankStore store, CancellationToken cancellationToken)
    {
        if (await store.FindAsync(name, cancellationToken) is not { } bank)
        {
            return TypedResults.NotFound();
        }

        if (http.Request.GetTypedHeaders().Accept.Any(a => a.MediaType.Equals("text/csv", StringComparison.OrdinalIgnoreCase)))
        {
            http.Response.ContentType = "text/csv; charset=utf-8";
            http.Response.Headers[HeaderNames.ContentDisposition] = $"attachment; filename=\"{bank.Name}.csv\"";
            await using var writer = new StreamWriter(http.Response.Body, new UTF8Encoding(false), 64 * 1024);
            await writer.WriteAsync("pdq_hex,note\n");
            await foreach (var entry in store.AllAsync(bank.Id).WithCancellation(cancellationToken))
            {
                await writer.WriteAsync(BankStore.CsvLine(entry));
                await writer.WriteAsync('\n');
            }

            return TypedResults.Empty;
        }

        var size = Math.Clamp(limit ?? 100, 1, MaxPageSize);
        var entries = await store.PageAsync(bank.Id, after, size + 1, cancellationToken);
        var items = entries.Take(size).Select(e => BankEntryView.From(e)).ToList();
        return TypedResults.Ok(new BankEntryPage(items, entries.Count > size ? items[^1].Id : null));
    }

    public static async Task<Results<NoContent, NotFound>> RemoveEntryAsync(string name, Guid id, ClaimsPrincipal user, BankStore store,
        CancellationToken cancellationToken) =>
        await store.FindAsync(name, cancellationToken) is { } bank && await store.RemoveAsync(bank, id, AuditActor.From(user), cancellationToken)
            ? TypedResults.NoContent()
            : TypedResults.NotFound();

    /// <summary>The refusal of a hash below PDQ's useful quality, or null.</summary>
    public static ProblemHttpResult? LowQuality(int quality) =>
        quality >= PdqHash.MinUsefulQuality
            ? null
            : TypedResults.Problem(
                $"The picture's PDQ quality is {quality}, below {PdqHash.MinUsefulQuality}: it is too flat for its hash to mean anything, so it is neither banked nor matched.",
                statusCode: StatusCodes.Status422UnprocessableEntity, title: "PDQ quality too low", type: "urn:moderation:problem:pdq-quality-too-low",
                extensions: new Dictionary<string, object?> { ["quality"] = quality, ["minimumQuality"] = PdqHash.MinUsefulQuality });

    private static ValidationProblem Invalid(string field, string message) =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { [field] = [message] });

    private static string? Note(string? note) =>
        string.IsNullOrWhiteSpace(note) ? null : note.Trim() is { Length: > 1024 } long_ ? long_[..1024] : note.Trim();

    [GeneratedRegex("^[a-z0-9][a-z0-9._-]{0,63}$")]
    private static partial Regex BankName();
}
