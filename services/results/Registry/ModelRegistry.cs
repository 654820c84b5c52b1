using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Moderation.Contracts.Heads;
using Moderation.Contracts.V1;
using Moderation.Results.Audit;
using Moderation.Results.Data;

namespace Moderation.Results.Registry;

/// <summary>What results reads of a base model's manifest (<c>model.json</c>): enough to check a registration.</summary>
public sealed record ManifestSummary(string Name, string Version, string File, string Sha256, ManifestOutputs Outputs, IReadOnlyList<string> Classes)
{
    public static ManifestSummary? TryParse(JsonElement manifest)
    {
        if (manifest.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        try
        {
            return manifest.Deserialize<ManifestSummary>(ColumnJson);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static readonly JsonSerializerOptions ColumnJson = new(JsonSerializerDefaults.Web);
}

public sealed record ManifestOutputs(int EmbeddingSize);

/// <param name="Version">Defaults to the head's version when a head is given, else the manifest's version.</param>
/// <param name="Head">A feedback head file (<c>moderation-head/1</c>) to register with the version; or name an existing one by <paramref name="HeadVersion"/>.</param>
public sealed record RegisterModelRequest(string Name, JsonElement Manifest, string BlobKey, string? Version = null, string? HeadVersion = null,
    JsonElement? Head = null, string? Comment = null);

public sealed record ModelVersionView(string Name, string Version, string ManifestName, string ManifestVersion, string BlobKey, string Sha256,
    string? HeadVersion, string? Comment, string RegisteredBy, DateTimeOffset RegisteredAt);

public sealed record DeploymentView(string Name, string? Active, string? Shadow, double ShadowShare, string? Previous, DateTimeOffset? UpdatedAt,
    string? UpdatedBy, IReadOnlyList<ModelVersionView> Versions);

/// <summary>Why a registry change was refused (answered as a validation problem).</summary>
public sealed class RegistryException(string field, string message) : Exception(message)
{
    public string Field { get; } = field;
}

/// <summary>
/// The model registry: registered versions (base model + optional feedback head) and, per model name, which version is
/// active, which is shadowed beside it and which a rollback returns to. Every change is audited in the same transaction.
/// Classifiers learn the deployment by <see cref="GetModelDeployment"/>.
/// </summary>
public sealed class ModelRegistry(ResultsDbContext db, AuditLog audit, TimeProvider clock)
{
    public const string ModelBlobPrefix = "models/";

    public async Task<ModelVersionView> RegisterAsync(RegisterModelRequest request, AuditActor actor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        Require(!string.IsNullOrWhiteSpace(request.Name) && request.Name.Length <= 128 && request.Name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'),
            "name", "1–128 letters, digits, '-', '_' or '.'.");
        var manifest = ManifestSummary.TryParse(request.Manifest);
        Require(manifest is { Name.Length: > 0, Version.Length: > 0, File.Length: > 0, Classes.Count: > 0 } && manifest.Outputs is { EmbeddingSize: > 0 },
            "manifest", "A model.json as tools/model-import writes it (name, version, file, sha256, outputs, classes).");
        Require(manifest!.Sha256 is { Length: 64 } sha && sha.All(char.IsAsciiHexDigit), "manifest", "The manifest's sha256 must be 64 hex digits.");
        // The blob store itself refuses a malformed key when a classifier loads the version.
        Require(request.BlobKey is { Length: <= 512 } key && key.StartsWith(ModelBlobPrefix, StringComparison.Ordinal) && !key.Split('/').Any(s => s is "" or "." or ".."),
            "blobKey", $"A blob key under '{ModelBlobPrefix}' in the shared blob store.");

        var headVersion = request.HeadVersion;
        if (request.Head is { ValueKind: JsonValueKind.Object } headJson)
        {
            headVersion = await ImportHeadAsync(headJson.GetRawText(), manifest, cancellationToken);
        }
        else if (headVersion is not null)
        {
            var head = await db.ModelHeads.AsNoTracking().SingleOrDefaultAsync(h => h.Version == headVersion, cancellationToken);
            Require(head is not null, "headVersion", $"No feedback head '{headVersion}'.");
            Require(Incompatibility(HeadFile.Parse(head!.HeadJson), manifest) is null, "headVersion", Incompatibility(HeadFile.Parse(head.HeadJson), manifest) ?? "");
        }

        var version = string.IsNullOrWhiteSpace(request.Version) ? headVersion ?? manifest.Version : request.Version;
        Require(version.Length <= 128, "version", "At most 128 characters.");
        Require(!await db.ModelVersions.AnyAsync(v => v.Name == request.Name && v.Version == version, cancellationToken),
            "version", $"{request.Name} {version} is already registered; a version never changes.");

        var row = new RegisteredModelVersion
        {
            Name = request.Name,
            Version = version,
            ManifestJson = request.Manifest.GetRawText(),
            BlobKey = request.BlobKey,
            Sha256 = manifest.Sha256.ToLowerInvariant(),
            HeadVersion = headVersion,
            Comment = request.Comment,
            RegisteredBy = actor.ClientId,
            RegisteredAt = clock.GetUtcNow(),
        };
        db.ModelVersions.Add(row);
        audit.Add(actor, AuditActions.ModelRegistered, null, new { name = row.Name, version, row.BlobKey, row.Sha256, headVersion });
        await db.SaveChangesAsync(cancellationToken);
        return View(row);
    }

    public async Task<IReadOnlyList<DeploymentView>> ListAsync(CancellationToken cancellationToken)
    {
        var versions = await db.ModelVersions.AsNoTracking().OrderBy(v => v.Name).ThenByDescending(v => v.RegisteredAt).ToListAsync(cancellationToken);
        var deployments = await db.ModelDeployments.AsNoTracking().ToDictionaryAsync(d => d.Name, cancellationToken);
        return [.. versions.GroupBy(v => v.Name).Select(g => Deployment(g.Key, deployments.GetValueOrDefault(g.Key), g))];
    }

    public async Task<DeploymentView?> GetAsync(string name, CancellationToken cancellationToken)
    {
        var versions = await db.ModelVersions.AsNoTracking().Where(v => v.Name == name).OrderByDescending(v => v.RegisteredAt).ToListAsync(cancellationToken);
        return versions.Count == 0 ? null
            : Deployment(name, await db.ModelDeployments.AsNoTracking().SingleOrDefaultAsync(d => d.Name == name, cancellationToken), versions);
    }

    /// <summary>Makes <paramref name="version"/> the active one (the first activation, or a deliberate switch); the old one becomes the rollback target.</summary>
    public Task<DeploymentView> ActivateAsync(string name, string version, AuditActor actor, CancellationToken cancellationToken) =>
        ChangeAsync(name, actor, AuditActions.ModelActivated, async d =>
        {
            await RequireVersionAsync(name, version, cancellationToken);
            Require(d.ActiveVersion != version, "version", $"{version} is already active.");
            (d.PreviousVersion, d.ActiveVersion) = (d.ActiveVersion, version);
            if (d.ShadowVersion == version)
            {
                d.ShadowVersion = null;
            }
        }, cancellationToken);

    public Task<DeploymentView> SetShadowAsync(string name, string version, double share, AuditActor actor, CancellationToken cancellationToken) =>
        ChangeAsync(name, actor, AuditActions.ModelShadowed, async d =>
        {
            await RequireVersionAsync(name, version, cancellationToken);
            Require(double.IsFinite(share) && share is > 0 and <= 1, "share", "A share of live media above 0 and at most 1.");
            Require(d.ActiveVersion is not null, "version", "Activate a version first: a shadow is scored beside the active one.");
            Require(d.ActiveVersion != version, "version", $"{version} is the active version.");
            d.ShadowVersion = version;
            d.ShadowShare = share;
        }, cancellationToken);

    public Task<DeploymentView> ClearShadowAsync(string name, AuditActor actor, CancellationToken cancellationToken) =>
        ChangeAsync(name, actor, AuditActions.ModelShadowCleared, d =>
        {
            Require(d.ShadowVersion is not null, "shadow", "No shadow is set.");
            d.ShadowVersion = null;
            d.ShadowShare = 0;
            return Task.CompletedTask;
        }, cancellationToken);

    /// <summary>The shadow becomes active in one step; the version it replaces becomes the rollback target.</summary>
    public Task<DeploymentView> PromoteAsync(string name, AuditActor actor, CancellationToken cancellationToken) =>
        ChangeAsync(name, actor, AuditActions.ModelPromoted, d =>
        {
            Require(d.ShadowVersion is not null, "shadow", "No shadow to promote.");
            (d.PreviousVersion, d.ActiveVersion, d.ShadowVersion, d.ShadowShare) = (d.ActiveVersion, d.ShadowVersion, null, 0);
            return Task.CompletedTask;
        }, cancellationToken);

    /// <summary>Back to the previous active version; the version rolled back from becomes the target of the next rollback.</summary>
    public Task<DeploymentView> RollbackAsync(string name, AuditActor actor, CancellationToken cancellationToken) =>
        ChangeAsync(name, actor, AuditActions.ModelRolledBack, d =>
        {
            Require(d.PreviousVersion is not null, "previous", "There is no previous version to roll back to.");
            (d.ActiveVersion, d.PreviousVersion) = (d.PreviousVersion, d.ActiveVersion);
            if (d.ShadowVersion == d.ActiveVersion)
            {
                d.ShadowVersion = null;
                d.ShadowShare = 0;
            }

            return Task.CompletedTask;
        }, cancellationToken);

    /// <summary>The deployment as classifiers load it.</summary>
    public async Task<ModelDeploymentAnswer> AnswerAsync(string name, CancellationToken cancellationToken)
    {
        var deployment = await db.ModelDeployments.AsNoTracking().SingleOrDefaultAsync(d => d.Name == name, cancellationToken);
        return new ModelDeploymentAnswer(name,
            deployment?.ActiveVersion is { } active ? await FindAsync(name, active, cancellationToken) : null,
            deployment?.ShadowVersion is { } shadow ? await FindAsync(name, shadow, cancellationToken) : null,
            deployment?.ShadowVersion is null ? 0 : deployment.ShadowShare);
    }

    /// <summary>One registered version with its head file, as classifiers load it; null when it is not registered.</summary>
    public async Task<RegisteredModel?> FindAsync(string name, string version, CancellationToken cancellationToken)
    {
        var row = await db.ModelVersions.AsNoTracking().SingleOrDefaultAsync(v => v.Name == name && v.Version == version, cancellationToken);
        if (row is null)
        {
            return null;
        }

        var head = row.HeadVersion is null ? null
            : await db.ModelHeads.AsNoTracking().Where(h => h.Version == row.HeadVersion).Select(h => h.HeadJson).SingleAsync(cancellationToken);
        return new RegisteredModel(row.Name, row.Version, row.ManifestJson, row.BlobKey, row.Sha256, row.HeadVersion, head);
    }

    private async Task<DeploymentView> ChangeAsync(string name, AuditActor actor, string action, Func<ModelDeployment, Task> change, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        // One change of a deployment at a time: promote and rollback read what they replace.
        await db.Database.ExecuteSqlInterpolatedAsync(
            $"INSERT INTO model_deployments (name, shadow_share, updated_at, updated_by) VALUES ({name}, 0, {clock.GetUtcNow()}, {actor.ClientId}) ON CONFLICT (name) DO NOTHING",
            cancellationToken);
        var deployment = await db.ModelDeployments.FromSql($"SELECT * FROM model_deployments WHERE name = {name} FOR UPDATE").SingleAsync(cancellationToken);
        var before = new { active = deployment.ActiveVersion, shadow = deployment.ShadowVersion, shadowShare = deployment.ShadowShare, previous = deployment.PreviousVersion };
        await change(deployment);
        deployment.UpdatedAt = clock.GetUtcNow();
        deployment.UpdatedBy = actor.ClientId;
        audit.Add(actor, action, null, new
        {
            name,
            before,
            after = new { active = deployment.ActiveVersion, shadow = deployment.ShadowVersion, shadowShare = deployment.ShadowShare, previous = deployment.PreviousVersion },
        });
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        db.ChangeTracker.Clear();
        return (await GetAsync(name, cancellationToken))!;
    }

    private async Task RequireVersionAsync(string name, string version, CancellationToken cancellationToken) =>
        Require(await db.ModelVersions.AnyAsync(v => v.Name == name && v.Version == version, cancellationToken), "version", $"{name} {version} is not registered.");

    private async Task<string> ImportHeadAsync(string json, ManifestSummary manifest, CancellationToken cancellationToken)
    {
        HeadFile head;
        try
        {
            head = HeadFile.Parse(json);
        }
        catch (Exception e) when (e is JsonException or InvalidDataException or NotSupportedException)
        {
            throw new RegistryException("head", $"Not a head file: {e.Message}");
        }

        Require(Incompatibility(head, manifest) is null, "head", Incompatibility(head, manifest) ?? "");
        var existing = await db.ModelHeads.AsNoTracking().SingleOrDefaultAsync(h => h.Version == head.Version, cancellationToken);
        if (existing is null)
        {
            // Registered, not published: only the registry's deployment puts it in front of live traffic.
            db.ModelHeads.Add(new ModelHead
            {
                Version = head.Version,
                BaseModelName = head.ModelName,
                BaseModelVersion = head.BaseModelVersion,
                HeadJson = head.ToJson(),
                ReportJson = "{}",
                CreatedAt = clock.GetUtcNow(),
            });
        }
        else
        {
            Require(HeadFile.Parse(existing.HeadJson).ToJson() == head.ToJson(), "head", $"A different head is already stored as '{head.Version}'.");
        }

        return head.Version;
    }

    private static string? Incompatibility(HeadFile head, ManifestSummary manifest) =>
        head.Incompatibility(manifest.Name, manifest.Version, manifest.Outputs.EmbeddingSize, [.. manifest.Classes]);

    private static void Require(bool condition, string field, string message)
    {
        if (!condition)
        {
            throw new RegistryException(field, message);
        }
    }

    private static DeploymentView Deployment(string name, ModelDeployment? deployment, IEnumerable<RegisteredModelVersion> versions) =>
        new(name, deployment?.ActiveVersion, deployment?.ShadowVersion, deployment?.ShadowShare ?? 0, deployment?.PreviousVersion, deployment?.UpdatedAt,
            deployment?.UpdatedBy, [.. versions.Select(View)]);

    private static ModelVersionView View(RegisteredModelVersion v)
    {
        using var document = JsonDocument.Parse(v.ManifestJson);
        var manifest = ManifestSummary.TryParse(document.RootElement);
        return new(v.Name, v.Version, manifest?.Name ?? "", manifest?.Version ?? "", v.BlobKey, v.Sha256, v.HeadVersion, v.Comment, v.RegisteredBy, v.RegisteredAt);
    }
}
