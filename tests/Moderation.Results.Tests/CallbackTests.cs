using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Moderation.Contracts.V1;
using Moderation.Results.Callbacks;
using Moderation.Results.Data;
using Moderation.Results.Tests.Infrastructure;
using Xunit;

namespace Moderation.Results.Tests;

/// <summary>
/// Name resolution answers made-up names with private or link-local addresses, and every connect attempt is
/// recorded; only loopback is ever dialled for real.
/// </summary>
public sealed class RecordingNetwork : ICallbackNetwork
{
    private readonly SocketCallbackNetwork _real = new();

    public static readonly Dictionary<string, IPAddress[]> Names = new(StringComparer.OrdinalIgnoreCase)
    {
        ["internal.example"] = [IPAddress.Parse("10.1.2.3")],
        ["metadata.example"] = [IPAddress.Parse("169.254.169.254")],
        ["mixed.example"] = [IPAddress.Loopback, IPAddress.Parse("192.168.1.20")],
        ["mapped.example"] = [IPAddress.Parse("::ffff:10.0.0.7")],
        ["compat.example"] = [IPAddress.Parse("::a9fe:a9fe")],
        ["teredo.example"] = [IPAddress.Parse("2001::a9fe:a9fe")],
        ["receiver.example"] = [IPAddress.Loopback],
    };

    public ConcurrentQueue<IPEndPoint> Connects { get; } = new();

    public Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken) =>
        Task.FromResult(Names.TryGetValue(host, out var addresses) ? addresses : throw new SocketExceptionWrapper(host));

    public ValueTask<Stream> ConnectAsync(IPEndPoint endpoint, CancellationToken cancellationToken)
    {
        Connects.Enqueue(endpoint);
        return IPAddress.IsLoopback(endpoint.Address)
            ? _real.ConnectAsync(endpoint, cancellationToken)
            : throw new InvalidOperationException($"The test network never dials {endpoint}.");
    }

    private sealed class SocketExceptionWrapper(string host) : System.Net.Sockets.SocketException((int)System.Net.Sockets.SocketError.HostNotFound)
    {
        public override string Message => $"{host} is not known to the test network.";
    }
}

public sealed class CallbackFixture : IAsyncLifetime
{
    public RecordingNetwork Network { get; } = new();

    public ResultsApp App { get; private set; } = null!;

    public CallbackReceiver Receiver { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Receiver = await CallbackReceiver.StartAsync();
        App = await ResultsApp.StartAsync(services: s => s.Replace(ServiceDescriptor.Singleton<ICallbackNetwork>(Network)));
    }

    public async Task DisposeAsync()
    {
        await App.DisposeAsync();
        await Receiver.DisposeAsync();
    }
}

public sealed class CallbackTests(CallbackFixture fixture) : IClassFixture<CallbackFixture>
{
    private ResultsApp App => fixture.App;

    [Fact]
    public async Task Callbacks_carry_a_verifiable_hmac_signature_and_a_stable_delivery_id()
    {
        var id = Guid.NewGuid();
        await DecideAsync(id, fixture.Receiver.BaseUrl + "/signed");
        var callback = await WaitForAsync("/signed");

        var timestamp = callback.Header(CallbackSender.TimestampHeader);
        var expected = "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(
            Encoding.UTF8.GetBytes(ResultsApp.CallbackSecret), Encoding.UTF8.GetBytes(timestamp + ".").Concat(callback.Body).ToArray()));
        Assert.Equal(expected, callback.Header(CallbackSender.SignatureHeader));
        Assert.True(CallbackSignature.Verify(ResultsApp.CallbackSecret, timestamp, callback.Body, callback.Header(CallbackSender.SignatureHeader),
            DateTimeOffset.UtcNow, TimeSpan.FromMinutes(5)));
        Assert.False(CallbackSignature.Verify("another-secret-0123456789", timestamp, callback.Body, callback.Header(CallbackSender.SignatureHeader),
            DateTimeOffset.UtcNow, TimeSpan.FromMinutes(5)));
        var tampered = callback.Body.ToArray();
        tampered[^2] ^= 1;
        Assert.False(CallbackSignature.Verify(ResultsApp.CallbackSecret, timestamp, tampered, callback.Header(CallbackSender.SignatureHeader),
            DateTimeOffset.UtcNow, TimeSpan.FromMinutes(5)));
        Assert.False(CallbackSignature.Verify(ResultsApp.CallbackSecret, timestamp, callback.Body, callback.Header(CallbackSender.SignatureHeader),
            DateTimeOffset.UtcNow.AddMinutes(10), TimeSpan.FromMinutes(5)));

        using var body = JsonDocument.Parse(callback.Body);
        Assert.Equal(callback.Header(CallbackSender.DeliveryIdHeader), body.RootElement.GetProperty("eventId").GetString());
        Assert.Equal("verdict.reached", body.RootElement.GetProperty("event").GetString());
        Assert.Equal("allow", body.RootElement.GetProperty("decision").GetString());
        Assert.Equal(id, body.RootElement.GetProperty("mediaId").GetGuid());
        Assert.Equal("", callback.Header(CallbackSender.RedeliveryHeader));
        Assert.Equal("1", callback.Header(CallbackSender.AttemptHeader));
    }

    [Fact]
    public async Task A_failing_receiver_gets_the_same_delivery_again_with_backoff_and_the_redelivery_header()
    {
        fixture.Receiver.Respond = (_, callback, _) => Task.FromResult(callback.Path == "/flaky" && fixture.Receiver.Received.Count(c => c.Path == "/flaky") < 3 ? 503 : 200);
        await DecideAsync(Guid.NewGuid(), fixture.Receiver.BaseUrl + "/flaky");
        var attempts = await Eventually.GetAsync(() =>
        {
            var flaky = fixture.Receiver.Received.Where(c => c.Path == "/flaky").ToList();
            return Task.FromResult(flaky.Count >= 3 ? flaky : null);
        }, "three attempts");

        Assert.Single(attempts.Select(a => a.Header(CallbackSender.DeliveryIdHeader)).Distinct());
        Assert.Single(attempts.Select(a => Encoding.UTF8.GetString(a.Body)).Distinct());
        Assert.Equal(["", "true", "true"], attempts.Select(a => a.Header(CallbackSender.RedeliveryHeader)));
        Assert.Equal(["1", "2", "3"], attempts.Select(a => a.Header(CallbackSender.AttemptHeader)));
        Assert.True(attempts[2].ReceivedAt - attempts[1].ReceivedAt >= TimeSpan.FromMilliseconds(90), "back-off between attempts");
        var deliveryId = Guid.Parse(attempts[0].Header(CallbackSender.DeliveryIdHeader));
        await Eventually.TrueAsync(() => App.QueryAsync(db => db.Outbox.AnyAsync(o => o.Id == deliveryId && o.DeliveredAt != null)), "delivered row");
    }

    /// <summary>
    /// A verdict callback carries every fact of the verdict that <c>GET /media/{id}</c> shows and <c>VerdictReached</c>
    /// carries: a cascade-scored video with a frame in a review bank and a frame over a review threshold.
    /// </summary>
    [Fact]
    public async Task A_verdict_callback_carries_segments_matches_model_configuration_and_escalated_frames()
    {
        using var admin = App.Client(ResultsApp.AdminKey);
        var bank = "callback-" + Guid.NewGuid().ToString("N")[..8];
        var pdq = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        (await admin.PostAsJsonAsync("/banks", new { name = bank, action = "review", maxDistance = 0 })).EnsureSuccessStatusCode();
        (await admin.PostAsJsonAsync($"/banks/{bank}/entries", new { pdq, quality = 100 })).EnsureSuccessStatusCode();

        var id = Guid.NewGuid();
        await App.Bus.Publish(Messages.Submitted(id, callbackUrl: fixture.Receiver.BaseUrl + "/facts"));
        await App.Bus.Publish(Messages.Planned(id, 3));
        var matched = await App.Bus.CreateRequestClient<MatchFrameHash>().GetResponse<FrameHashMatched>(
            new MatchFrameHash(id, id, Messages.ClientId, null, MediaKind.Video, 0, 0, pdq, 100, []));
        Assert.Equal(FrameHashOutcome.Classify, matched.Message.Outcome);
        await App.Bus.Publish(Messages.Frame(id, 0, ("Sexy", 0.1f)) with { ModelConfiguration = ModelConfigurations.CascadeV1, ScoreRule = ScoreRules.OutsideBand });
        await App.Bus.Publish(Messages.Frame(id, 1, ("Sexy", 0.6f)) with { ModelConfiguration = ModelConfigurations.CascadeV1, ScoreRule = ScoreRules.Escalated });
        await App.Bus.Publish(Messages.Frame(id, 2, ("Sexy", 0.1f)) with { ModelConfiguration = ModelConfigurations.CascadeV1, ScoreRule = ScoreRules.OutsideBand });
        await App.Bus.Publish(Messages.Completed(id, 3));

        using var body = JsonDocument.Parse((await WaitForAsync("/facts")).Body);
        var callback = body.RootElement;
        Assert.Equal(("verdict.reached", "review"), (callback.GetProperty("event").GetString(), callback.GetProperty("decision").GetString()));
        Assert.Equal((ModelConfigurations.CascadeV1, 1), (callback.GetProperty("modelConfiguration").GetString(), callback.GetProperty("escalatedFrames").GetInt32()));
        var match = Assert.Single(callback.GetProperty("matches").EnumerateArray());
        Assert.Equal((bank, 0, 0), (match.GetProperty("bank").GetString(), match.GetProperty("distance").GetInt32(), match.GetProperty("frameIndex").GetInt32()));
        var segment = Assert.Single(callback.GetProperty("segments").EnumerateArray());
        Assert.Equal(("Sexy", "review", 5.0, 10.0), (segment.GetProperty("class").GetString(), segment.GetProperty("threshold").GetString(),
            segment.GetProperty("startSeconds").GetDouble(), segment.GetProperty("endSeconds").GetDouble()));
        Assert.Equal(JsonValueKind.Null, callback.GetProperty("reusedFromMediaId").ValueKind);
        Assert.Equal(JsonValueKind.Null, callback.GetProperty("revision").ValueKind);

        // The same facts as the verdict the API shows.
        using var view = JsonDocument.Parse(await admin.GetStringAsync($"/media/{id}"));
        var verdict = view.RootElement.GetProperty("verdict");
        foreach (var field in new[] { "segments", "matches", "modelConfiguration", "escalatedFrames", "reusedFromMediaId", "maxima" })
        {
            Assert.Equal(verdict.GetProperty(field).GetRawText(), callback.GetProperty(field).GetRawText());
        }
    }

    [Theory]
    [InlineData("http://internal.example/hook", "private address")]
    [InlineData("http://metadata.example/latest/meta-data", "link-local")]
    [InlineData("http://169.254.169.254/latest/meta-data", "link-local")]
    [InlineData("http://mixed.example:8080/hook", "private address")]
    [InlineData("http://mapped.example/hook", "private address")]
    [InlineData("http://[fd00::1]/hook", "private address")]
    [InlineData("http://compat.example/hook", "169.254.0.0/16")]
    [InlineData("http://teredo.example/hook", "Teredo")]
    [InlineData("http://[::127.0.0.1]/hook", "IPv4-compatible")]
    [InlineData("http://[::169.254.169.254]/hook", "link-local")]
    [InlineData("http://[::ffff:0:7f00:1]/hook", "SIIT")]
    [InlineData("http://[64:ff9b:1::a9fe:a9fe]/hook", "local-use")]
    [InlineData("http://[100::1]/hook", "discard-only")]
    [InlineData("http://[2001:db8::1]/hook", "documentation")]
    [InlineData("http://[3fff::1]/hook", "documentation")]
    [InlineData("http://192.0.2.1/hook", "documentation")]
    [InlineData("http://198.51.100.1/hook", "documentation")]
    [InlineData("http://203.0.113.1/hook", "documentation")]
    [InlineData("ftp://receiver.example/hook", "http or https")]
    public async Task Callbacks_to_private_or_metadata_addresses_are_refused_before_any_connect(string url, string reason)
    {
        var id = Guid.NewGuid();
        await DecideAsync(id, url);
        var row = await Eventually.GetAsync(() => App.QueryAsync(db => db.Outbox.FirstOrDefaultAsync(o => o.MediaId == id && o.Kind == OutboxKinds.Callback && o.FailedAt != null)),
            "refused callback");
        Assert.Contains(reason, row.LastError, StringComparison.Ordinal);
        Assert.Null(row.DeliveredAt);
        Assert.Equal(1, row.Attempts);
        Assert.DoesNotContain(fixture.Network.Connects, e => !IPAddress.IsLoopback(e.Address));
    }

    [Fact]
    public void Loopback_needs_explicit_permission_and_public_addresses_pass()
    {
        var strict = new CallbackTargetGuard(Options.Create(new CallbackOptions { Secret = "x" }), fixture.Network);
        Assert.NotNull(strict.Refusal(IPAddress.Loopback));
        Assert.NotNull(strict.Refusal(IPAddress.IPv6Loopback));
        Assert.NotNull(strict.Refusal(IPAddress.Parse("172.20.0.1")));
        Assert.NotNull(strict.Refusal(IPAddress.Parse("100.100.0.1")));
        Assert.NotNull(strict.Refusal(IPAddress.Parse("0.0.0.0")));
        Assert.NotNull(strict.Refusal(IPAddress.Parse("224.0.0.1")));
        Assert.NotNull(strict.Refusal(IPAddress.Parse("fe80::1")));
        Assert.NotNull(strict.Refusal(IPAddress.Parse("64:ff9b::a00:1")));
        Assert.Null(strict.Refusal(IPAddress.Parse("93.184.216.34")));
        Assert.Null(strict.Refusal(IPAddress.Parse("2606:2800:220:1::1")));
        var cluster = new CallbackTargetGuard(Options.Create(new CallbackOptions { Secret = "x", AllowPrivateNetworks = true }), fixture.Network);
        Assert.Null(cluster.Refusal(IPAddress.Parse("10.1.2.3")));
        Assert.NotNull(cluster.Refusal(IPAddress.Parse("169.254.169.254")));
        Assert.NotNull(cluster.Refusal(IPAddress.Loopback));
    }

    private async Task DecideAsync(Guid id, string callbackUrl)
    {
        await App.Bus.Publish(Messages.Submitted(id, callbackUrl: callbackUrl));
        await App.Bus.Publish(Messages.Frame(id, 0, ("Sexy", 0.1f)));
        await App.Bus.Publish(Messages.Completed(id, 1));
    }

    private Task<ReceivedCallback> WaitForAsync(string path) =>
        Eventually.GetAsync(() => Task.FromResult(fixture.Receiver.Received.FirstOrDefault(c => c.Path == path)), $"callback to {path}");
}

public sealed class OutboxCrashTests
{
    [Fact]
    public async Task A_callback_in_flight_when_the_service_dies_is_delivered_after_restart_with_the_same_id()
    {
        await using var receiver = await CallbackReceiver.StartAsync();
        var firstArrived = new TaskCompletionSource<ReceivedCallback>(TaskCreationOptions.RunContinuationsAsynchronously);
        var hang = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        receiver.Respond = async (n, callback, cancellationToken) =>
        {
            if (n == 0)
            {
                firstArrived.TrySetResult(callback);
                await hang.Task.WaitAsync(cancellationToken);
            }

            return 200;
        };
        var settings = new Dictionary<string, string?> { ["Outbox:ClaimDuration"] = "00:00:03", ["Callbacks:Timeout"] = "00:01:00" };
        var id = Guid.NewGuid();
        string database, vhost;
        await using (var first = await ResultsApp.StartAsync(settings))
        {
            database = first.Database;
            vhost = first.RabbitMq;
            await first.Bus.Publish(Messages.Submitted(id, callbackUrl: receiver.BaseUrl + "/crash"));
            await first.Bus.Publish(Messages.Frame(id, 0, ("Sexy", 0.1f)));
            await first.Bus.Publish(Messages.Completed(id, 1));
            await firstArrived.Task.WaitAsync(TimeSpan.FromSeconds(30));
        }

        // The service is gone with the delivery unacknowledged: the row is still owed.
        var pending = await QueryAsync(database, db => db.Outbox.SingleAsync(o => o.MediaId == id && o.Kind == OutboxKinds.Callback));
        Assert.Null(pending.DeliveredAt);
        Assert.Equal(1, pending.Attempts);

        await using var second = ResultsApp.Start(database, vhost, settings);
        var redelivered = await Eventually.GetAsync(() => Task.FromResult(receiver.Received.Skip(1).FirstOrDefault(c => c.Path == "/crash")),
            "redelivery after restart", TimeSpan.FromSeconds(30));
        var original = await firstArrived.Task;
        Assert.Equal(original.Header(CallbackSender.DeliveryIdHeader), redelivered.Header(CallbackSender.DeliveryIdHeader));
        Assert.Equal(original.Body, redelivered.Body);
        Assert.Equal("true", redelivered.Header(CallbackSender.RedeliveryHeader));
        await Eventually.TrueAsync(() => second.QueryAsync(db => db.Outbox.AnyAsync(o => o.Id == pending.Id && o.DeliveredAt != null)), "delivered");
        Assert.Equal(1, await second.QueryAsync(db => db.Verdicts.CountAsync(v => v.MediaId == id)));
    }

    private static async Task<T> QueryAsync<T>(string database, Func<ResultsDbContext, Task<T>> query)
    {
        await using var db = new ResultsDbContext(new DbContextOptionsBuilder<ResultsDbContext>().UseNpgsql(database).UseSnakeCaseNamingConvention().Options);
        return await query(db);
    }
}
