using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Moderation.ServiceDefaults;

public static class MessagingExtensions
{
    public const string ConnectionName = "rabbitmq";

    /// <summary>
    /// MassTransit over RabbitMQ, configured once for every service: connection from <c>ConnectionStrings:rabbitmq</c>
    /// (an <c>amqp://</c> URI), publisher confirms, quorum queues, retry with incremental back-off, <c>_error</c> queues,
    /// and the bus health check tagged ready. Durable queues are named by their definitions from
    /// <see cref="Contracts.QueueNames"/> (<see cref="QueueConsumerDefinition{TConsumer}"/>); the kebab-case formatter
    /// names only what has no fixed name (per-replica temporary endpoints).
    /// </summary>
    public static IHostApplicationBuilder AddMessaging(this IHostApplicationBuilder builder, Action<IBusRegistrationConfigurator>? configure = null)
    {
        builder.AddValidatedOptions<MessagingOptions>(MessagingOptions.Section);

        var connectionString = builder.Configuration.GetConnectionString(ConnectionName)
            ?? throw new InvalidOperationException($"ConnectionStrings:{ConnectionName} (an amqp:// URI) is required.");
        var endpoint = RabbitMqEndpoint.Parse(connectionString);

        builder.Services.Configure<MassTransitHostOptions>(o =>
        {
            o.WaitUntilStarted = true;
            o.StartTimeout = TimeSpan.FromSeconds(60);
            o.StopTimeout = TimeSpan.FromSeconds(30);
        });

        builder.Services.AddMassTransit(x =>
        {
            var prefix = builder.Configuration[$"{MessagingOptions.Section}:{nameof(MessagingOptions.QueuePrefix)}"];
            // Self-hosted means no calls home: MassTransit would otherwise report usage to its vendor on start.
            x.DisableUsageTelemetry();
            x.SetEndpointNameFormatter(new KebabCaseEndpointNameFormatter(string.IsNullOrEmpty(prefix) ? null : prefix, false));
            configure?.Invoke(x);

            x.AddConfigureEndpointsCallback((context, _, cfg) =>
            {
                var options = context.GetRequiredService<IOptions<MessagingOptions>>().Value;
                if (options.QuorumQueues && cfg is IRabbitMqReceiveEndpointConfigurator rabbit)
                {
                    rabbit.SetQuorumQueue();
                }

                cfg.UseMessageRetry(r => r.Exponential(options.RetryLimit, options.RetryInterval, options.RetryMaxInterval, options.RetryInterval));
            });

            x.UsingRabbitMq((context, cfg) =>
            {
                var options = context.GetRequiredService<IOptions<MessagingOptions>>().Value;
                cfg.Host(endpoint.Host, endpoint.Port, endpoint.VirtualHost, h =>
                {
                    h.Username(endpoint.Username);
                    h.Password(endpoint.Password);
                    h.PublisherConfirmation = true;
                    h.Heartbeat(TimeSpan.FromSeconds(10));
                    h.RequestedConnectionTimeout(TimeSpan.FromSeconds(10));
                });
                cfg.PrefetchCount = options.PrefetchCount;
                cfg.ConfigureEndpoints(context);
            });
        });

        return builder;
    }
}
