using MassTransit;
using Microsoft.Extensions.Options;
using Moderation.Contracts;
using Moderation.Contracts.V1;
using Moderation.Results.Data;
using Moderation.Results.Policies;
using Moderation.ServiceDefaults;

namespace Moderation.Results.Consumers;

/// <summary>
/// Answers classifier workers that run the cascade: every policy in force with its model configuration and uncertain
/// band. Results owns the policies, so the band follows a new policy version without touching the classifiers.
/// </summary>
public sealed class GetCascadeBandsConsumer(PolicyStore policies) : IConsumer<GetCascadeBands>
{
    public async Task Consume(ConsumeContext<GetCascadeBands> context)
    {
        var current = await policies.ListCurrentAsync(context.CancellationToken);
        await context.RespondAsync(new CascadeBands(ResultsDbContext.DefaultPolicyName, [.. current.Select(ModerationPolicy.Band)]));
    }
}

public sealed class GetCascadeBandsConsumerDefinition : QueueConsumerDefinition<GetCascadeBandsConsumer>
{
    public GetCascadeBandsConsumerDefinition(IOptions<MessagingOptions> messaging)
        : base(messaging, QueueNames.ResultsGetCascadeBands)
    {
        ConcurrentMessageLimit = 8;
    }
}
