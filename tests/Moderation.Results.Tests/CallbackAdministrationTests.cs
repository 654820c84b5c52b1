using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Moderation.Auth;
using Moderation.Results.Apis;
using Moderation.Results.Audit;
using Moderation.Results.Auth;
using Moderation.Results.Callbacks;
using Moderation.Results.Data;
using Moderation.Results.Tests.Infrastructure;
using Xunit;

namespace Moderation.Results.Tests;

/// <summary>
/// Client 1 is rotating its callback secret (current + previous), client 2 has its own secret, every other client falls
/// back to the global one. Two attempts per callback, so a receiver that is down fails a callback within a second.
/// </summary>
public sealed class CallbackAdministrationFixture : IAsyncLifetime
{
    public const string ClientSecret = "client-one-new-secret-0123456789";
    public const string PreviousClientSecret = "client-one-old-secret-0123456789";
    public const string OtherClientSecret = "client-two-own-secret-0123456789";

    public ResultsApp App { get; private set; } = null!;

    public CallbackReceiver Receiver { get; private set; } = null!;

    private volatile bool _receiverDown = true;

    /// <summary>Paths under <c>/down</c> answer 503 while this is set.</summary>
    public bool ReceiverDown
    {
        get => _receiverDown;
        set => _receiverDown = value;
    }

    public async Task InitializeAsync()
    {
        Receiver = await CallbackReceiver.StartAsync();
        Receiver.Respond = (_, callback, _) => Task.FromResult(ReceiverDown && callback.Path.StartsWith("/down", StringComparison.Ordinal) ? 503 : 200);
        App = await ResultsApp.StartAsync(new Dictionary<string, string?>
        {
            [$"Callbacks:Clients:{Messages.ClientId}:Secret"] = ClientSecret,
            [$"Callbacks:Clients:{Messages.ClientId}:PreviousSecret"] = PreviousClientSecret,
            [$"Callbacks:Clients:{Messages.OtherClientId}:Secret"] = OtherClientSecret,
            ["Outbox:MaxCallbackAttempts"] = "2",
        });
    }

    public async Task DisposeAsync()
    {
        await App.DisposeAsync();
        await Receiver.DisposeAsync();
    }
}

public sealed class CallbackAdministrationTests(CallbackAdministrationFixture fixture) : IClassFixture<CallbackAdministrationFixture>
{
    private ResultsApp App => fixture.App;

    [Fact]
    public async Task Callbacks_are_signed_with_the_clients_own_secret_and_the_previous_one_during_rotation()
    {
        var rotating = await CallbackOfAsync(Messages.ClientId, "/signed-rotating");
        var signatures = rotating.Header(CallbackSender.SignatureHeader).Split(", ");
        Assert.Equal([Hmac(CallbackAdministrationFixture.ClientSecret, rotating), Hmac(CallbackAdministrationFixture.PreviousClientSecret, rotating)], signatures);
        Assert.True(Verify(CallbackAdministrationFixture.ClientSecret, rotating), "a receiver with the new secret verifies");
        Assert.True(Verify(CallbackAdministrationFixture.PreviousClientSecret, rotating), "a receiver still on the previous secret verifies");
        Assert.False(Verify(ResultsApp.CallbackSecret, rotating), "the global secret does not sign a client with its own");
        Assert.False(Verify(CallbackAdministrationFixture.OtherClientSecret, rotating), "another client's secret does not verify");

        var own = await CallbackOfAsync(Messages.OtherClientId, "/signed-own");
        Assert.Equal(Hmac(CallbackAdministrationFixture.OtherClientSecret, own), own.Header(CallbackSender.SignatureHeader));
        Assert.False(Verify(ResultsApp.CallbackSecret, own));

        var fallback = await CallbackOfAsync("client-3", "/signed-fallback");
        Assert.Equal(Hmac(ResultsApp.CallbackSecret, fallback), fallback.Header(CallbackSender.SignatureHeader));
    }

    [Fact]
    public async Task Failed_callbacks_are_listed_to_their_owner_only_and_redelivered_with_an_audit_record()
    {
        var mine = await FailedCallbackAsync(Messages.ClientId, "/down-mine");
        var theirs = await FailedCallbackAsync(Messages.OtherClientId, "/down-theirs");

        var ownList = await App.GetAsync<FailedCallbackPage>("/callbacks/failed?limit=200", ResultsApp.ReadKey);
        Assert.Contains(ownList.Items, c => c.Id == mine.Id);
        Assert.DoesNotContain(ownList.Items, c => c.Id == theirs.Id);
        Assert.All(ownList.Items, c => Assert.Equal(Messages.ClientId, c.ClientId));
        var listed = Assert.Single(ownList.Items, c => c.Id == mine.Id);
        Assert.Equal((mine.MediaId, "verdict.reached", 2, 0), (listed.MediaId, listed.Event, listed.Attempts, listed.Redeliveries));
        Assert.Contains("503", listed.LastError, StringComparison.Ordinal);
        var otherList = await App.GetAsync<FailedCallbackPage>("/callbacks/failed?limit=200", ResultsApp.OtherClientReadKey);
        Assert.Contains(otherList.Items, c => c.Id == theirs.Id);
        Assert.DoesNotContain(otherList.Items, c => c.Id == mine.Id);
        var adminList = await App.GetAsync<FailedCallbackPage>("/callbacks/failed?limit=200", ResultsApp.AdminKey);
        Assert.Contains(adminList.Items, c => c.Id == mine.Id);
        Assert.Contains(adminList.Items, c => c.Id == theirs.Id);
        Assert.Equal([mine.Id], (await App.GetAsync<FailedCallbackPage>($"/callbacks/failed?mediaId={mine.MediaId}", ResultsApp.ReadKey)).Items.Select(c => c.Id));

        // Another client can neither see nor redeliver it.
        using var otherClient = App.Client(ResultsApp.OtherClientReadKey);
        Assert.Equal(HttpStatusCode.NotFound, (await otherClient.PostAsync($"/callbacks/{mine.Id}/redeliver", null)).StatusCode);

        fixture.ReceiverDown = false;
        var before = fixture.Receiver.Received.Count(c => c.Path == "/down-mine");
        using var owner = App.Client(ResultsApp.ReadKey);
        using var accepted = await owner.PostAsync($"/callbacks/{mine.Id}/redeliver", null);
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);

        var redelivered = await Eventually.GetAsync(
            () => Task.FromResult(fixture.Receiver.Received.Where(c => c.Path == "/down-mine").Skip(before).FirstOrDefault()), "the redelivery");
        Assert.Equal(mine.Id.ToString(), redelivered.Header(CallbackSender.DeliveryIdHeader));
        Assert.Equal("true", redelivered.Header(CallbackSender.RedeliveryHeader));
        Assert.Equal("1", redelivered.Header(CallbackSender.AttemptHeader));
        var delivered = await Eventually.GetAsync(
            () => App.QueryAsync(db => db.Outbox.AsNoTracking().FirstOrDefaultAsync(o => o.Id == mine.Id && o.DeliveredAt != null)), "the delivered row");
        Assert.Equal((1, (DateTimeOffset?)null), (delivered.Redeliveries, delivered.FailedAt));
        Assert.DoesNotContain((await App.GetAsync<FailedCallbackPage>("/callbacks/failed?limit=200", ResultsApp.ReadKey)).Items, c => c.Id == mine.Id);

        // Only a failed callback can be redelivered; theirs stays failed.
        Assert.Equal(HttpStatusCode.Conflict, (await owner.PostAsync($"/callbacks/{mine.Id}/redeliver", null)).StatusCode);
        Assert.NotNull(await App.QueryAsync(db => db.Outbox.Where(o => o.Id == theirs.Id).Select(o => o.FailedAt).SingleAsync()));

        var audit = await App.GetAsync<AuditPage>($"/audit?mediaId={mine.MediaId}&action={AuditActions.CallbackRedelivered}");
        var entry = Assert.Single(audit.Items);
        Assert.Equal((Messages.ClientId, IngestApiKeyStore.StaticKeyId(ApiKeyHash.Of(ResultsApp.ReadKey))), (entry.ClientId, entry.KeyId));
        Assert.Equal(mine.Id, entry.Details.GetProperty("outboxId").GetGuid());
        Assert.Equal(2, entry.Details.GetProperty("previousAttempts").GetInt32());
    }

    private async Task<OutboxMessage> FailedCallbackAsync(string clientId, string path)
    {
        var id = await DecideAsync(clientId, path);
        return await Eventually.GetAsync(
            () => App.QueryAsync(db => db.Outbox.AsNoTracking().FirstOrDefaultAsync(o => o.MediaId == id && o.Kind == OutboxKinds.Callback && o.FailedAt != null)),
            $"the failed callback to {path}");
    }

    private async Task<ReceivedCallback> CallbackOfAsync(string clientId, string path)
    {
        await DecideAsync(clientId, path);
        return await Eventually.GetAsync(() => Task.FromResult(fixture.Receiver.Received.FirstOrDefault(c => c.Path == path)), $"callback to {path}");
    }

    private async Task<Guid> DecideAsync(string clientId, string path)
    {
        var id = Guid.NewGuid();
        await App.Bus.Publish(Messages.Submitted(id, callbackUrl: fixture.Receiver.BaseUrl + path, clientId: clientId));
        await App.Bus.Publish(Messages.Frame(id, 0, ("Drawing", 0.1f)));
        await App.Bus.Publish(Messages.Completed(id, 1));
        return id;
    }

    private static string Hmac(string secret, ReceivedCallback callback) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret),
            Encoding.UTF8.GetBytes(callback.Header(CallbackSender.TimestampHeader) + ".").Concat(callback.Body).ToArray()));

    private static bool Verify(string secret, ReceivedCallback callback) =>
        CallbackSignature.Verify(secret, callback.Header(CallbackSender.TimestampHeader), callback.Body, callback.Header(CallbackSender.SignatureHeader),
            DateTimeOffset.UtcNow, TimeSpan.FromMinutes(5));
}
