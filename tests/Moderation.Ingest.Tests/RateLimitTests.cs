using System.ComponentModel.DataAnnotations;
using System.Net;
using System.Net.Http.Json;
using Moderation.Auth;
using Moderation.Contracts.V1;
using Moderation.Ingest.Extensions;
using Moderation.Ingest.RateLimiting;
using Moderation.Ingest.Tests.Infrastructure;
using Moderation.Testing;
using Xunit;

namespace Moderation.Ingest.Tests;

/// <summary>
/// Tight limits for a few clients, the generous default for the rest: <c>limited</c> may submit two media an hour,
/// <c>hasty</c> two urgent ones an hour, the <c>wiki</c> upload hook one submission an hour.
/// </summary>
public sealed class RateLimitIngestFixture : IngestFixture
{
    protected override IDictionary<string, string?> Settings() => new Dictionary<string, string?>
    {
        ["RateLimits:Clients:limited:TokenLimit"] = "2",
        ["RateLimits:Clients:limited:TokensPerPeriod"] = "1",
        ["RateLimits:Clients:limited:ReplenishmentPeriod"] = "01:00:00",
        ["RateLimits:Clients:hasty:UrgentLimit"] = "2",
        ["RateLimits:Clients:hasty:UrgentWindow"] = "01:00:00",
        [$"RateLimits:Clients:{WebhookClient}:TokenLimit"] = "1",
        [$"RateLimits:Clients:{WebhookClient}:TokensPerPeriod"] = "1",
        [$"RateLimits:Clients:{WebhookClient}:ReplenishmentPeriod"] = "01:00:00",
    };
}

public sealed class RateLimitTests(RateLimitIngestFixture ingest) : IClassFixture<RateLimitIngestFixture>
{
    [Fact]
    public async Task A_client_over_its_submission_rate_gets_429_with_Retry_After_while_other_clients_go_on()
    {
        var jpeg = await File.ReadAllBytesAsync(await TestMedia.JpegAsync(64, 48));
        using var limited = ingest.Client(await ingest.CreateKeyAsync("limited", ModerationScopes.Submit, ModerationScopes.Read));
        var acceptedIds = new List<Guid>();
        for (var i = 0; i < 2; i++)
        {
            using var accepted = await limited.PostAsync($"/media?externalId=File:Limited-{i}.jpg", Http.Bytes(jpeg));
            acceptedIds.Add((await Http.AssertAcceptedAsync(accepted)).MediaId);
        }

        using var refused = await limited.PostAsync("/media?externalId=File:Limited-2.jpg", Http.Bytes(jpeg));
        var problem = await Http.AssertProblemAsync(refused, HttpStatusCode.TooManyRequests, Problems.RateLimited);
        var retryAfter = refused.Headers.RetryAfter?.Delta;
        Assert.NotNull(retryAfter);
        Assert.InRange(retryAfter.Value, TimeSpan.FromSeconds(1), TimeSpan.FromHours(1));
        Assert.Equal((long)retryAfter.Value.TotalSeconds, problem.GetProperty("retryAfterSeconds").GetInt64());

        // Submitting by URL draws on the same allowance, and nothing of the refused requests reached the pipeline.
        using var byUrl = await limited.PostAsJsonAsync("/media:by-url", new { url = "http://127.0.0.1:9/none.jpg", externalId = "File:Limited-3.jpg" });
        await Http.AssertProblemAsync(byUrl, HttpStatusCode.TooManyRequests, Problems.RateLimited);
        foreach (var id in acceptedIds)
        {
            await ingest.Pipeline.State.WaitForSubmittedAsync(m => m.MediaId == id);
        }

        Assert.Equal(2, ingest.Pipeline.State.Submitted.Count(s => s.Message.ClientId == "limited"));

        // Reading is not limited, and other clients keep their own allowance.
        using var status = await limited.GetAsync($"/media/{acceptedIds[0]}");
        Assert.Equal(HttpStatusCode.OK, status.StatusCode);
        using var other = await ingest.Client(ingest.SubmitKey).PostAsync("/media?externalId=File:Unaffected.jpg", Http.Bytes(jpeg));
        await Http.AssertAcceptedAsync(other);
        using var similar = ingest.Client(await ingest.CreateKeyAsync("limited-too", ModerationScopes.Submit));
        using var fresh = await similar.PostAsync("/media?externalId=File:Fresh.jpg", Http.Bytes(jpeg));
        await Http.AssertAcceptedAsync(fresh);
    }

    [Fact]
    public async Task The_upload_hook_is_limited_per_webhook_client()
    {
        var png = await File.ReadAllBytesAsync(await TestMedia.PngAsync("teal", 30, 20));
        var url = ingest.MediaServer.Url(ingest.MediaServer.Serve(png));
        using var first = await ingest.Client().SendAsync(IngestFixture.SignedHook(Body(url, "File:Hook-1.png/1")));
        await Http.AssertAcceptedAsync(first);

        using var second = await ingest.Client().SendAsync(IngestFixture.SignedHook(Body(url, "File:Hook-2.png/1")));
        await Http.AssertProblemAsync(second, HttpStatusCode.TooManyRequests, Problems.RateLimited);
        Assert.NotNull(second.Headers.RetryAfter?.Delta);
    }

    [Fact]
    public async Task Urgent_submissions_over_the_clients_ceiling_go_in_as_normal()
    {
        var jpeg = await File.ReadAllBytesAsync(await TestMedia.JpegAsync(72, 40));
        using var hasty = ingest.Client(await ingest.CreateKeyAsync("hasty", ModerationScopes.Submit, ModerationScopes.Read));
        var lanes = new List<(SubmissionPriority Answered, SubmissionPriority Published, byte AmqpPriority)>();
        for (var i = 0; i < 3; i++)
        {
            using var response = await hasty.PostAsync($"/media?priority=urgent&externalId=File:Hasty-{i}.jpg", Http.Bytes(jpeg));
            var accepted = await Http.AssertAcceptedAsync(response);
            var (message, amqpPriority) = await ingest.Pipeline.State.WaitForSubmittedAsync(m => m.MediaId == accepted.MediaId);
            lanes.Add((accepted.Priority, message.Priority, amqpPriority));
        }

        Assert.Equal(
            [(SubmissionPriority.Urgent, SubmissionPriority.Urgent, (byte)9), (SubmissionPriority.Urgent, SubmissionPriority.Urgent, (byte)9),
                (SubmissionPriority.Normal, SubmissionPriority.Normal, (byte)4)],
            lanes);

        // Other clients' urgent work keeps its lane.
        using var other = await ingest.Client(ingest.SubmitKey).PostAsync("/media?priority=urgent&externalId=File:Other-urgent.jpg", Http.Bytes(jpeg));
        var otherAccepted = await Http.AssertAcceptedAsync(other);
        Assert.Equal(SubmissionPriority.Urgent, otherAccepted.Priority);
        Assert.Equal(SubmissionPriority.Urgent, (await ingest.Pipeline.State.WaitForSubmittedAsync(m => m.MediaId == otherAccepted.MediaId)).Message.Priority);
    }

    private static string Body(Uri url, string externalId) =>
        System.Text.Json.JsonSerializer.Serialize(new { url = url.ToString(), externalId, callbackUrl = (string?)null });
}

public sealed class RateLimitOptionsTests
{
    [Fact]
    public void A_clients_override_replaces_only_the_values_it_sets()
    {
        var options = new RateLimitOptions
        {
            Default = { TokenLimit = 50, UrgentLimit = 10 },
            Clients = { ["backfill"] = new ClientRateLimitSettings { TokensPerPeriod = 2, UrgentLimit = 0 } },
        };

        Assert.Equal(new ClientRateLimit(50, 2, TimeSpan.FromSeconds(1), 0, TimeSpan.FromMinutes(1)), options.For("backfill"));
        Assert.Equal(new ClientRateLimit(50, 100, TimeSpan.FromSeconds(1), 10, TimeSpan.FromMinutes(1)), options.For("wiki"));
        Assert.Equal(ClientRateLimit.Builtin, new RateLimitOptions().For("wiki"));
    }

    [Fact]
    public void Limits_outside_their_ranges_and_bad_client_ids_are_refused_at_start()
    {
        var options = new RateLimitOptions
        {
            Default = { TokenLimit = 0, ReplenishmentPeriod = TimeSpan.Zero },
            Clients = { ["Bad Id"] = new ClientRateLimitSettings { UrgentLimit = -1, UrgentWindow = TimeSpan.FromDays(2) } },
        };

        var problems = options.Validate(new ValidationContext(options)).Select(r => r.ErrorMessage).ToList();
        Assert.Equal(5, problems.Count);
        Assert.Contains(problems, p => p!.Contains("RateLimits:Default:TokenLimit", StringComparison.Ordinal));
        Assert.Contains(problems, p => p!.Contains("'Bad Id'", StringComparison.Ordinal));
        Assert.Empty(new RateLimitOptions().Validate(new ValidationContext(new RateLimitOptions())));
    }
}

/// <summary>Results keeps the audit log; ingest tells it who reads another client's medium through <c>GET /media/{id}</c>.</summary>
public sealed class CrossTenantStatusTests(IngestFixture ingest) : IClassFixture<IngestFixture>
{
    [Fact]
    public async Task A_review_key_reading_another_clients_medium_names_itself_to_results_and_an_owner_does_not()
    {
        var jpeg = await File.ReadAllBytesAsync(await TestMedia.JpegAsync(40, 30));
        using var submitted = await ingest.Client(ingest.SubmitKey).PostAsync("/media?externalId=File:Audited.jpg", Http.Bytes(jpeg));
        var id = (await Http.AssertAcceptedAsync(submitted)).MediaId;
        ingest.Pipeline.State.Statuses[id] = new MediaStatus(id, true, MediaStates.Processing, "File:Audited.jpg", null, 1, 0, 0, null, null);
        var reviewKey = await ingest.CreateKeyAsync("review-desk", ModerationScopes.Review, ModerationScopes.Read);

        using var byOwner = await ingest.Client(ingest.SubmitKey).GetAsync($"/media/{id}");
        Assert.Equal(HttpStatusCode.OK, byOwner.StatusCode);
        using var byReviewer = await ingest.Client(reviewKey).GetAsync($"/media/{id}");
        Assert.Equal(HttpStatusCode.OK, byReviewer.StatusCode);

        var requests = ingest.Pipeline.State.StatusRequests.Where(r => r.MediaId == id).ToList();
        Assert.Equal([new GetMediaStatus(id), new GetMediaStatus(id, "review-desk", reviewKey[..12])], requests);
    }
}
