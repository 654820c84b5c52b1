using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Moderation.Contracts;
using Xunit;

namespace Moderation.ServiceDefaults.Tests;

/// <summary><c>Messaging:QueuePrefix</c> as every service binds it: joined to each queue name with one hyphen.</summary>
public sealed class QueuePrefixTests
{
    [Theory]
    [InlineData("", "extract-frames")]
    [InlineData("blue", "blue-extract-frames")]
    [InlineData("staging-2", "staging-2-extract-frames")]
    public void A_valid_prefix_is_joined_with_one_hyphen(string prefix, string queue)
    {
        var options = Bind(prefix).Value;

        Assert.Equal(queue, QueueNames.Prefixed(options.QueuePrefix, QueueNames.ExtractFrames));
    }

    [Theory]
    [InlineData("blue-")]
    [InlineData("Blue")]
    [InlineData("blue_green")]
    public void A_prefix_that_would_not_join_cleanly_stops_the_service(string prefix)
    {
        var error = Assert.Throws<OptionsValidationException>(() => Bind(prefix).Value);

        Assert.Contains("QueuePrefix", error.Message, StringComparison.Ordinal);
    }

    private static IOptions<MessagingOptions> Bind(string prefix)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection([KeyValuePair.Create<string, string?>("Messaging:QueuePrefix", prefix)]);
        builder.AddValidatedOptions<MessagingOptions>(MessagingOptions.Section);
        return builder.Build().Services.GetRequiredService<IOptions<MessagingOptions>>();
    }
}
