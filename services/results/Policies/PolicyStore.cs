using Microsoft.EntityFrameworkCore;
using Moderation.Results.Audit;
using Moderation.Results.Data;

namespace Moderation.Results.Policies;

/// <summary>Reads and appends policy versions. The highest version of a name is the one in force.</summary>
public sealed class PolicyStore(ResultsDbContext db, AuditLog audit, TimeProvider clock)
{
    /// <summary>The policy in force for <paramref name="name"/>; an unknown or empty name falls back to the default policy.</summary>
    public async Task<PolicyVersion> CurrentAsync(string? name, CancellationToken cancellationToken)
    {
        var wanted = string.IsNullOrWhiteSpace(name) ? ResultsDbContext.DefaultPolicyName : name;
        var policy = await LatestAsync(wanted, cancellationToken);
        if (policy is null && wanted != ResultsDbContext.DefaultPolicyName)
        {
            policy = await LatestAsync(ResultsDbContext.DefaultPolicyName, cancellationToken);
        }

        return policy ?? throw new InvalidOperationException("The default policy is missing; migrations seed it.");
    }

    public Task<PolicyVersion?> LatestAsync(string name, CancellationToken cancellationToken) =>
        db.Policies.AsNoTracking().Where(p => p.Name == name).OrderByDescending(p => p.Version).FirstOrDefaultAsync(cancellationToken);

    public Task<PolicyVersion?> FindAsync(string name, int version, CancellationToken cancellationToken) =>
        db.Policies.AsNoTracking().FirstOrDefaultAsync(p => p.Name == name && p.Version == version, cancellationToken);

    public async Task<IReadOnlyList<PolicyVersion>> ListCurrentAsync(CancellationToken cancellationToken)
    {
        var all = await db.Policies.AsNoTracking().ToListAsync(cancellationToken);
        return [.. all.GroupBy(p => p.Name).Select(g => g.MaxBy(p => p.Version)!).OrderBy(p => p.Name)];
    }

    public async Task<IReadOnlyList<PolicyVersion>> VersionsAsync(string name, CancellationToken cancellationToken) =>
        await db.Policies.AsNoTracking().Where(p => p.Name == name).OrderByDescending(p => p.Version).ToListAsync(cancellationToken);

    /// <summary>
    /// Appends a new version, audited in the same save. Concurrent admins racing for the same version number: one wins,
    /// the other retries.
    /// </summary>
    public async Task<PolicyVersion> AddVersionAsync(
        string name,
        IReadOnlyDictionary<string, float> block,
        IReadOnlyDictionary<string, float> review,
        bool earlyExit,
        TemporalRules temporal,
        AuditActor actor,
        string? comment,
        CancellationToken cancellationToken,
        PolicyModels? models = null,
        PolicyGuidance? guidance = null)
    {
        guidance ??= PolicyGuidance.None;
        models ??= new PolicyModels(Contracts.V1.ModelConfigurations.MobileNetV2, ModerationPolicy.DefaultCascadeMargin);
        var createdBy = actor.ClientId;
        for (var attempt = 0; ; attempt++)
        {
            var latest = await db.Policies.Where(p => p.Name == name).MaxAsync(p => (int?)p.Version, cancellationToken) ?? 0;
            var policy = new PolicyVersion
            {
                Name = name,
                Version = latest + 1,
                BlockThresholds = new(block),
                ReviewThresholds = new(review),
                EarlyExit = earlyExit,
                Models = models.Models,
                CascadeMargin = models.CascadeMargin,
                CorroborationFrames = temporal.CorroborationFrames,
                CorroborationSeconds = temporal.CorroborationSeconds,
                SmoothingWindow = temporal.SmoothingWindow,
                CreatedAt = clock.GetUtcNow(),
                CreatedBy = createdBy,
                Comment = comment,
                Description = guidance.Description,
                ReasonCodes = [.. guidance.ReasonCodes],
                RequireBlockReason = guidance.RequireBlockReason,
            };
            db.Policies.Add(policy);
            var record = audit.Add(actor, AuditActions.PolicyChanged, null, new
            {
                name,
                version = policy.Version,
                block = policy.BlockThresholds,
                review = policy.ReviewThresholds,
                earlyExit,
                models = models.Models,
                cascadeMargin = models.CascadeMargin,
                temporal.CorroborationFrames,
                temporal.CorroborationSeconds,
                temporal.SmoothingWindow,
                comment,
                description = guidance.Description,
                reasonCodes = guidance.ReasonCodes.Select(c => c.Code),
                requireBlockReason = guidance.RequireBlockReason,
            });
            try
            {
                await db.SaveChangesAsync(cancellationToken);
                db.Entry(policy).State = EntityState.Detached;
                db.Entry(record).State = EntityState.Detached;
                return policy;
            }
            catch (DbUpdateException) when (attempt < 3)
            {
                db.Entry(policy).State = EntityState.Detached;
                db.Entry(record).State = EntityState.Detached;
            }
        }
    }
}

/// <summary>A policy version's model configuration and the cascade's band margin.</summary>
public sealed record PolicyModels(string Models, float CascadeMargin);

/// <summary>What reviewers read and give under a policy: its description and the reason codes a decision may (for a block: must) carry.</summary>
public sealed record PolicyGuidance(string? Description, IReadOnlyList<ReasonCode> ReasonCodes, bool RequireBlockReason)
{
    public static readonly PolicyGuidance None = new(null, [], false);

    public static PolicyGuidance Of(PolicyVersion policy) => new(policy.Description, policy.ReasonCodes, policy.RequireBlockReason);
}
