using System.Globalization;
using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Moderation.Ingest.Data;
using Moderation.Ingest.Extensions;
using Moderation.Ingest.Tests.Infrastructure;
using Moderation.Testing;
using Xunit;

namespace Moderation.Ingest.Tests;

/// <summary>
/// The broker refuses ingest's publishes of <c>MediaSubmitted</c> (the user lost write permission on that exchange, set
/// with rabbitmqctl on the real broker), while everything else works.
/// </summary>
public sealed class PublishRefusedIngestFixture : IngestFixture
{
    protected override IDictionary<string, string?> Settings() => new Dictionary<string, string?> { ["Intake:PublishTimeout"] = "00:00:05" };

    protected override async Task BeforeStartAsync(string rabbitMqUri)
    {
        var serversDir = LocalServersDirectory() ?? throw new InvalidOperationException(
            "This test changes broker permissions with rabbitmqctl and needs the local test servers (scripts/test starts them).");
        var uri = new Uri(rabbitMqUri);
        await ProcessRunner.RunAsync(Path.Combine(RepoPaths.Root, "scripts", "lib", "servers.sh"),
        [
            "rabbit_ctl", serversDir, uri.Port.ToString(CultureInfo.InvariantCulture), "set_permissions", "-p", Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/')),
            "moderation", ".*", @"^(?!Moderation\.Contracts\.V1:MediaSubmitted$).*", ".*",
        ], TimeSpan.FromMinutes(1));
    }

    private static string? LocalServersDirectory()
    {
        var fromEnvironment = Environment.GetEnvironmentVariable("MODERATION_SERVERS_DIR");
        if (!string.IsNullOrEmpty(fromEnvironment))
        {
            return fromEnvironment;
        }

        var local = Path.Combine(RepoPaths.Data, "test-servers");
        return File.Exists(Path.Combine(local, "env")) ? local : null;
    }
}

public sealed class PublishFailureTests(PublishRefusedIngestFixture ingest) : IClassFixture<PublishRefusedIngestFixture>
{
    [Fact]
    public async Task Unconfirmed_publish_is_503_and_nothing_is_accepted()
    {
        var jpeg = await File.ReadAllBytesAsync(await TestMedia.JpegAsync(66, 44));
        using var client = ingest.Client(ingest.SubmitKey);
        client.DefaultRequestHeaders.Add("Idempotency-Key", "refused-1");

        using var response = await client.PostAsync("/media?externalId=File:Refused.jpg/1", Http.Bytes(jpeg));
        await Http.AssertProblemAsync(response, HttpStatusCode.ServiceUnavailable, Problems.BrokerUnavailable);
        Assert.NotNull(response.Headers.RetryAfter);

        await using (var scope = ingest.Factory.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<IngestDbContext>();
            Assert.False(await db.Submissions.AnyAsync(s => s.ExternalId == "File:Refused.jpg/1"));
        }

        // A retry is not mistaken for the earlier attempt: it is tried again, and refused again.
        using var retry = await client.PostAsync("/media?externalId=File:Refused.jpg/1", Http.Bytes(jpeg));
        await Http.AssertProblemAsync(retry, HttpStatusCode.ServiceUnavailable, Problems.BrokerUnavailable);
        await Task.Delay(500);
        Assert.Empty(ingest.Pipeline.State.Submitted);
    }
}
