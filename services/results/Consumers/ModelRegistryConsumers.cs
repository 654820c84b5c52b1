using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Moderation.Contracts;
using Moderation.Contracts.V1;
using Moderation.Results.Data;
using Moderation.Results.Registry;
using ModelScores = Moderation.Results.Registry.ModelScores;
using Moderation.ServiceDefaults;

namespace Moderation.Results.Consumers;

/// <summary>Answers classifier workers: the active and shadow versions of a registered model.</summary>
public sealed class GetModelDeploymentConsumer(ModelRegistry registry) : IConsumer<GetModelDeployment>
{
    public async Task Consume(ConsumeContext<GetModelDeployment> context) =>
        await context.RespondAsync(await registry.AnswerAsync(context.Message.Name, context.CancellationToken));
}

public sealed class GetModelDeploymentConsumerDefinition : QueueConsumerDefinition<GetModelDeploymentConsumer>
{
    public GetModelDeploymentConsumerDefinition(IOptions<MessagingOptions> messaging)
        : base(messaging, QueueNames.ResultsGetModelDeployment)
    {
        ConcurrentMessageLimit = 8;
    }
}

/// <summary>Answers classifier workers: one registered version, for the backfill lane.</summary>
public sealed class GetModelVersionConsumer(ModelRegistry registry) : IConsumer<GetModelVersion>
{
    public async Task Consume(ConsumeContext<GetModelVersion> context) =>
        await context.RespondAsync(new ModelVersionAnswer(await registry.FindAsync(context.Message.Name, context.Message.Version, context.CancellationToken)));
}

public sealed class GetModelVersionConsumerDefinition : QueueConsumerDefinition<GetModelVersionConsumer>
{
    public GetModelVersionConsumerDefinition(IOptions<MessagingOptions> messaging)
        : base(messaging, QueueNames.ResultsGetModelVersion)
    {
        ConcurrentMessageLimit = 8;
    }
}

/// <summary>
/// Stores a live frame's shadow scores (once per frame and version). A shadow score may overtake the registration of its
/// medium; it is then retried until the medium exists, and dropped once the medium is erased.
/// </summary>
public sealed class FrameShadowScoredConsumer(ResultsDbContext db, TimeProvider clock) : IConsumer<FrameShadowScored>
{
    public async Task Consume(ConsumeContext<FrameShadowScored> context)
    {
        var m = context.Message;
        var inserted = await ModelScores.InsertAsync(db, m.MediaId, m.FrameIndex, m.ModelName, m.ModelVersion, ModelScorePurposes.Shadow, m.TimestampSeconds,
            m.Scores, null, clock.GetUtcNow(), context.CancellationToken);
        if (!inserted && !await db.Media.AnyAsync(x => x.Id == m.MediaId, context.CancellationToken)
            && !await db.Erasures.AnyAsync(e => e.MediaId == m.MediaId, context.CancellationToken))
        {
            throw new InvalidOperationException($"Medium {m.MediaId} is not recorded yet; its shadow score is retried.");
        }
    }
}

public sealed class FrameShadowScoredConsumerDefinition : QueueConsumerDefinition<FrameShadowScoredConsumer>
{
    public FrameShadowScoredConsumerDefinition(IOptions<MessagingOptions> messaging)
        : base(messaging, QueueNames.ResultsFrameShadowScored)
    {
        ConcurrentMessageLimit = 4;
    }
}
