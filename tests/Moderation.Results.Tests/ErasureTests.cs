using System.Net;
using System.Net.Http.Json;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Moderation.Contracts.V1;
using Moderation.Results.Aggregation;
using Moderation.Results.Apis;
using Moderation.Results.Audit;
using Moderation.Results.Data;
using Moderation.Results.Queries;
using Moderation.Results.Tests.Infrastructure;
using Xunit;

namespace Moderation.Results.Tests;

public sealed class ErasureFixture : IAsyncLifetime
{
    public ResultsApp App { get; private set; } = null!;

    public BusProbe Probe { get; private set; } = null!;

    public CallbackReceiver Callbacks { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        App = await ResultsApp.StartAsync();
        Probe = await BusProbe.StartAsync(App.RabbitMq);
        Callbacks = await CallbackReceiver.StartAsync();
        // Callbacks never get through: they stay in the outbox, undelivered, as when a client's endpoint is down.
        Callbacks.Respond = (_, _, _) => Task.FromResult(503);
    }

    public async Task DisposeAsync()
    {
        await Probe.DisposeAsync();
        await Callbacks.DisposeAsync();
        await App.DisposeAsync();
    }
}

/// <summary>Erasure, legal hold and retention as results applies them (ingest's half is in the end-to-end tests).</summary>
public sealed class ErasureTests(ErasureFixture fixture) : IClassFixture<ErasureFixture>
{
    private const string Eraser = "client-1-user";

    private ResultsApp App => fixture.App;

    [Fact]
    public async Task Erasure_removes_every_row_of_the_medium_and_its_undelivered_callbacks_leaving_a_tombstone_and_an_audit_event()
    {
        var id = Guid.NewGuid();
        await DecideAsync(id, 0.6f, callbackUrl: fixture.Callbacks.BaseUrl + "/hook");
        await Eventually.TrueAsync(() => App.QueryAsync(db => db.ReviewTasks.AnyAsync(t => t.MediaId == id)), "the review task");
        await Eventually.TrueAsync(() => App.QueryAsync(db => db.Outbox.AnyAsync(o => o.MediaId == id && o.Kind == OutboxKinds.Callback && o.Attempts > 0)),
            "a callback attempt that failed");

        var erasure = await EraseAsync(id, Messages.ClientId, reason: "takedown");

        Assert.Equal((ErasureOutcomes.Erased, Messages.ClientId, Eraser, "takedown"), (erasure.Outcome, erasure.ClientId, erasure.ErasedBy, erasure.Reason));
        Assert.Equal(0, await OtherRowsAsync(id));
        Assert.Equal([nameof(MediumErased)], await App.QueryAsync(db => db.Outbox.Where(o => o.MediaId == id).Select(o => o.MessageType).ToListAsync()));
        var tombstone = await App.QueryAsync(db => db.Erasures.SingleAsync(e => e.MediaId == id));
        Assert.Equal((Messages.ClientId, "takedown"), (tombstone.ClientId, tombstone.Reason));
        Assert.Equal(64, tombstone.Sha256!.Length);
        Assert.Equal([AuditActions.MediumErased], await App.QueryAsync(db => db.AuditLog.Where(e => e.MediaId == id).Select(e => e.Action).ToListAsync()));
        await fixture.Probe.WaitAsync<MediumErased>(id);

        var again = await EraseAsync(id, Messages.ClientId, reason: "a second time");
        Assert.Equal((ErasureOutcomes.AlreadyErased, erasure.ErasedAt, "takedown"), (again.Outcome, again.ErasedAt, again.Reason));
        Assert.Equal(1, await App.QueryAsync(db => db.AuditLog.CountAsync(e => e.MediaId == id)));
        Assert.Equal(ErasureOutcomes.NotFound, (await EraseAsync(id, Messages.OtherClientId)).Outcome);
    }

    [Fact]
    public async Task Late_messages_about_an_erased_medium_never_bring_it_back_and_announce_the_erasure_again()
    {
        var id = Guid.NewGuid();
        var live = Guid.NewGuid();
        await App.Bus.Publish(Messages.Submitted(id));
        await App.Bus.Publish(Messages.Planned(id, 3));
        await App.Bus.Publish(Messages.Frame(id, 0, ("Sexy", 0.1f)));
        await Eventually.TrueAsync(() => App.QueryAsync(db => db.FrameScores.AnyAsync(f => f.MediaId == id)), "the first frame");
        Assert.Equal(ErasureOutcomes.Erased, (await EraseAsync(id, Messages.ClientId)).Outcome);

        await using (var scope = App.Services.CreateAsyncScope())
        {
            var aggregator = scope.ServiceProvider.GetRequiredService<MediaAggregator>();
            Assert.Equal([id], await aggregator.RegisterAsync([Messages.Submitted(id)], default));
            Assert.Equal([id], await aggregator.PlanAsync([Messages.Planned(id, 3), Messages.Planned(live, 1)], default));
            Assert.Equal(1, await aggregator.RecordScoresAsync([Messages.Frame(id, 1, ("Sexy", 0.2f)), Messages.Frame(live, 0, ("Sexy", 0.2f))], default));
            Assert.Equal([id], await aggregator.CompleteExtractionAsync([Messages.Completed(id, 3)], default));
            Assert.Equal([id], await aggregator.FailAsync(new MediaFailed(id, id, FailureReasons.BlobMissing, "gone", "frame-extractor", DateTimeOffset.UtcNow), default));
            Assert.Empty(await aggregator.FailFrameAsync(new FrameFailed(id, id, 2, FailureReasons.Internal, "late"), default));
        }

        Assert.Equal(0, await OtherRowsAsync(id));
        Assert.Equal(1, await App.QueryAsync(db => db.FrameScores.CountAsync(f => f.MediaId == live)));

        // Through the bus: the late plan is dropped and the erasure announced again for whatever still works on it.
        var announced = fixture.Probe.All<MediumErased>(id).Count;
        await App.Bus.Publish(Messages.Planned(id, 3));
        await Eventually.TrueAsync(() => Task.FromResult(fixture.Probe.All<MediumErased>(id).Count > announced), "the erasure announced again");
        Assert.Equal(0, await OtherRowsAsync(id));

        // A medium erased before results heard of it (ingest knows it): its submission, arriving late, creates nothing.
        var unseen = Guid.NewGuid();
        Assert.Equal(ErasureOutcomes.Erased, (await EraseAsync(unseen, Messages.ClientId, sha256: new string('a', 64))).Outcome);
        await App.Bus.Publish(Messages.Submitted(unseen));
        await Eventually.TrueAsync(() => Task.FromResult(fixture.Probe.All<MediumErased>(unseen).Count >= 2), "the late submission answered with the erasure");
        Assert.Equal(0, await OtherRowsAsync(unseen));
        Assert.Empty(fixture.Probe.All<VerdictReached>(id));
    }

    [Fact]
    public async Task A_verdict_is_never_lent_to_an_erased_medium()
    {
        var source = Guid.NewGuid();
        await DecideAsync(source, 0.1f, sha256: Sha(source));
        // Ingest erased its medium before results heard of it; a late (redelivered) request to lend it a verdict follows.
        var erased = Guid.NewGuid();
        Assert.Equal(ErasureOutcomes.Erased, (await EraseAsync(erased, Messages.OtherClientId, sha256: Sha(source))).Outcome);

        MediaStatus answer;
        await using (var scope = App.Services.CreateAsyncScope())
        {
            answer = await scope.ServiceProvider.GetRequiredService<VerdictReuse>().ReuseAsync(new ReuseVerdict(erased, source, erased, Sha(source), "image/png",
                1234, null, SubmissionPriority.Normal, null, Messages.OtherClientId, DateTimeOffset.UtcNow), default);
        }

        Assert.Equal((false, MediaStates.Unknown), (answer.Found, answer.State));
        Assert.Equal(0, await OtherRowsAsync(erased));
    }

    [Fact]
    public async Task Erasure_racing_frames_of_the_same_medium_leaves_nothing_behind_whichever_commits_first()
    {
        for (var round = 0; round < 8; round++)
        {
            var id = Guid.NewGuid();
            await using (var scope = App.Services.CreateAsyncScope())
            {
                var aggregator = scope.ServiceProvider.GetRequiredService<MediaAggregator>();
                await aggregator.RegisterAsync([Messages.Submitted(id)], default);
                await aggregator.PlanAsync([Messages.Planned(id, 24)], default);
            }

            var writers = Enumerable.Range(0, 24).Select(i => Messages.Frame(id, i, ("Sexy", 0.1f))).Chunk(3).Select(chunk => Task.Run(async () =>
            {
                await using var scope = App.Services.CreateAsyncScope();
                await scope.ServiceProvider.GetRequiredService<MediaAggregator>().RecordScoresAsync(chunk, default);
            }));
            await Task.WhenAll([.. writers, Task.Run(async () => Assert.Equal(ErasureOutcomes.Erased, (await EraseAsync(id, Messages.ClientId)).Outcome))]);

            Assert.Equal(0, await OtherRowsAsync(id));
        }
    }

    [Fact]
    public async Task Legal_hold_blocks_erasure_until_an_administrator_lifts_it_and_both_are_audited()
    {
        var id = Guid.NewGuid();
        await DecideAsync(id, 0.1f);
        using var reader = App.Client(ResultsApp.ReadKey);
        using (var refused = await reader.PutAsJsonAsync($"/media/{id}/legal-hold", new { reason = "mine" }))
        {
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        }

        using var admin = App.Client(ResultsApp.AdminKey);
        using (var held = await admin.PutAsJsonAsync($"/media/{id}/legal-hold", new { reason = "case 7" }))
        {
            Assert.Equal(HttpStatusCode.OK, held.StatusCode);
        }

        Assert.Equal(ErasureOutcomes.LegalHold, (await EraseAsync(id, Messages.ClientId)).Outcome);
        Assert.Equal(ErasureOutcomes.LegalHold, (await EraseAsync(id, null, anyClient: true)).Outcome);
        Assert.True(await OtherRowsAsync(id) > 0);
        Assert.False(await App.QueryAsync(db => db.Erasures.AnyAsync(e => e.MediaId == id)));

        using (var lifted = await admin.DeleteAsync($"/media/{id}/legal-hold?reason=closed"))
        {
            Assert.Equal(HttpStatusCode.OK, lifted.StatusCode);
        }

        Assert.Equal(ErasureOutcomes.NotFound, (await EraseAsync(id, Messages.OtherClientId)).Outcome);
        Assert.True(await OtherRowsAsync(id) > 0);
        Assert.Equal(ErasureOutcomes.Erased, (await EraseAsync(id, null, anyClient: true)).Outcome);
        var audit = await App.QueryAsync(db => db.AuditLog.Where(e => e.MediaId == id && !e.Action.StartsWith("media.")).OrderBy(e => e.Id).ToListAsync());
        Assert.Equal(new[] { (AuditActions.LegalHoldSet, "admin"), (AuditActions.LegalHoldCleared, "admin"), (AuditActions.MediumErased, Eraser) },
            audit.Select(e => (e.Action, e.ClientId)));
        Assert.Contains("case 7", audit[0].Details, StringComparison.Ordinal);
        Assert.Contains("closed", audit[1].Details, StringComparison.Ordinal);

        var unknown = Guid.NewGuid();
        Assert.Equal(ErasureOutcomes.NotFound, (await EraseAsync(unknown, null, anyClient: true)).Outcome);
        Assert.False(await App.QueryAsync(async db => await db.Media.AnyAsync(m => m.Id == unknown) || await db.Erasures.AnyAsync(e => e.MediaId == unknown)));
        using var missing = await admin.PutAsJsonAsync($"/media/{unknown}/legal-hold", new { reason = "x" });
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task A_reviewer_places_and_lifts_a_legal_hold_and_the_owner_reads_the_tombstone_that_other_clients_cannot()
    {
        var id = Guid.NewGuid();
        await DecideAsync(id, 0.1f);
        using var reviewer = App.Client(ResultsApp.ReviewerKey);
        using (var held = await reviewer.PutAsJsonAsync($"/media/{id}/legal-hold", new { reason = "evidence for report 12" }))
        {
            Assert.Equal(HttpStatusCode.OK, held.StatusCode);
        }

        Assert.True((await App.GetAsync<MediaDetails>($"/media/{id}", ResultsApp.ReadKey)).Retention.LegalHold);
        using (var tooLong = await reviewer.DeleteAsync($"/media/{id}/legal-hold?reason={new string('x', 1025)}"))
        {
            Assert.Equal(HttpStatusCode.BadRequest, tooLong.StatusCode);
        }

        using (var lifted = await reviewer.DeleteAsync($"/media/{id}/legal-hold?reason=reported"))
        {
            Assert.Equal(HttpStatusCode.OK, lifted.StatusCode);
        }

        Assert.Equal(new[] { (AuditActions.LegalHoldSet, "reviewer-1"), (AuditActions.LegalHoldCleared, "reviewer-1") },
            await App.QueryAsync(db => db.AuditLog.Where(e => e.MediaId == id && e.Action.StartsWith("legal-hold")).OrderBy(e => e.Id)
                .Select(e => new ValueTuple<string, string>(e.Action, e.ClientId)).ToListAsync()));

        using var reader = App.Client(ResultsApp.ReadKey);
        using var other = App.Client(ResultsApp.OtherClientReadKey);
        Assert.Equal(HttpStatusCode.NotFound, (await reader.GetAsync($"/media/{id}/erasure")).StatusCode);
        Assert.Equal(ErasureOutcomes.Erased, (await EraseAsync(id, Messages.ClientId, reason: "takedown 9")).Outcome);
        var tombstone = await App.GetAsync<ErasureView>($"/media/{id}/erasure", ResultsApp.ReadKey);
        Assert.Equal((Messages.ClientId, Eraser, "takedown 9"), (tombstone.ClientId, tombstone.ErasedBy, tombstone.Reason));
        Assert.Equal(HttpStatusCode.NotFound, (await other.GetAsync($"/media/{id}/erasure")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await reader.GetAsync($"/media/{id}")).StatusCode);
        Assert.Equal(id, (await App.GetAsync<ErasureView>($"/media/{id}/erasure", ResultsApp.AdminKey)).MediaId);
        Assert.True(await App.QueryAsync(db => db.AuditLog.AnyAsync(e => e.MediaId == id && e.Action == AuditActions.CrossTenantRead && e.ClientId == "admin")));
    }

    [Fact]
    public async Task Retention_thins_concluded_media_past_their_age_in_bounded_batches_and_spares_held_media_and_open_reviews()
    {
        var client = "retention-" + Guid.NewGuid().ToString("N")[..8];
        var shared = Sha(Guid.NewGuid());
        var heldSha = Sha(Guid.NewGuid());
        Guid allowed = Guid.NewGuid(), twin = Guid.NewGuid(), held = Guid.NewGuid(), sharesHeld = Guid.NewGuid(), reviewed = Guid.NewGuid(), open = Guid.NewGuid();
        await DecideAsync(allowed, 0.1f, client, shared);
        await DecideAsync(twin, 0.1f, client, shared);
        await DecideAsync(held, 0.1f, client, heldSha);
        await DecideAsync(sharesHeld, 0.1f, client, heldSha);
        await DecideAsync(reviewed, 0.6f, client);
        await App.Bus.Publish(Messages.Submitted(open, clientId: client));
        await App.Bus.Publish(Messages.Planned(open, 5));
        await Eventually.TrueAsync(() => App.QueryAsync(db => db.Media.AnyAsync(m => m.Id == open && m.PlannedFrames == 5)), "the open medium");
        await Eventually.TrueAsync(() => App.QueryAsync(db => db.ReviewTasks.AnyAsync(t => t.MediaId == reviewed)), "the review task");
        using var admin = App.Client(ResultsApp.AdminKey);
        using (var hold = await admin.PutAsJsonAsync($"/media/{held}/legal-hold", new { reason = "case 8" }))
        {
            Assert.Equal(HttpStatusCode.OK, hold.StatusCode);
        }

        var client2 = App.Bus.CreateRequestClient<ApplyRetention>();
        var now = DateTimeOffset.UtcNow;
        Assert.Empty((await client2.GetResponse<RetentionApplied>(new ApplyRetention(client, now.AddDays(-1), now.AddDays(-1), 10))).Message.Media);

        var future = DateTimeOffset.UtcNow.AddMinutes(1);
        var first = (await client2.GetResponse<RetentionApplied>(new ApplyRetention(client, future, future, 2))).Message.Media;
        var rest = (await client2.GetResponse<RetentionApplied>(new ApplyRetention(client, future, future, 10))).Message.Media;
        Assert.Equal(2, first.Count);
        Assert.Empty((await client2.GetResponse<RetentionApplied>(new ApplyRetention(client, future, future, 10))).Message.Media);

        var all = first.Concat(rest).ToDictionary(m => m.MediaId);
        Assert.Equal(new[] { allowed, twin, sharesHeld }.Order(), all.Keys.Order());
        Assert.All(all.Values, m => Assert.True(m.RemoveOriginal && m.RemoveFrames));
        // Shared content: the bytes go with the last reference; the held medium still references its own.
        var references = App.Bus.CreateRequestClient<CountContentReferences>();
        Assert.Equal(0, (await references.GetResponse<ContentReferences>(new CountContentReferences(shared))).Message.Media);
        Assert.Equal(1, (await references.GetResponse<ContentReferences>(new CountContentReferences(heldSha.ToUpperInvariant()))).Message.Media);
        var media = await App.QueryAsync(db => db.Media.Where(m => m.ClientId == client).ToDictionaryAsync(m => m.Id));
        Assert.All(all.Keys, id => Assert.True(media[id].OriginalRemovedAt is not null && media[id].FramesRemovedAt is not null));
        Assert.All(new[] { held, reviewed, open }, id => Assert.True(media[id].OriginalRemovedAt is null && media[id].FramesRemovedAt is null));
        var thinned = all.Keys.ToList();
        Assert.Equal(6, await App.QueryAsync(db => db.AuditLog.CountAsync(e => e.MediaId != null && thinned.Contains(e.MediaId.Value) && e.ClientId == "system:retention")));
        Assert.NotNull(await App.QueryAsync(db => db.Verdicts.FirstOrDefaultAsync(v => v.MediaId == allowed)));
    }

    /// <summary>Submits a two-frame medium whose Sexy maximum is <paramref name="sexy"/> (0.5 and above: review) and waits for its verdict.</summary>
    private async Task DecideAsync(Guid id, float sexy, string clientId = Messages.ClientId, string? sha256 = null, string? callbackUrl = null)
    {
        await App.Bus.Publish(Messages.Submitted(id, callbackUrl: callbackUrl, sha256: sha256, clientId: clientId));
        await App.Bus.Publish(Messages.Planned(id, 2));
        await App.Bus.Publish(Messages.Frame(id, 0, ("Sexy", sexy)));
        await App.Bus.Publish(Messages.Frame(id, 1, ("Sexy", sexy / 2)));
        await App.Bus.Publish(Messages.Completed(id, 2));
        await fixture.Probe.WaitAsync<VerdictReached>(id);
    }

    private async Task<MediumErasure> EraseAsync(Guid id, string? clientId, bool anyClient = false, string? reason = null, string? sha256 = null)
    {
        var client = App.Bus.CreateRequestClient<EraseMedium>();
        var response = await client.GetResponse<MediumErasure>(
            new EraseMedium(id, clientId, anyClient, sha256, Eraser, reason, DateTimeOffset.UtcNow));
        return response.Message;
    }

    /// <summary>Rows about the medium outside the tombstone and the audit log (the erasure's own outbox announcement aside).</summary>
    private Task<int> OtherRowsAsync(Guid id) => App.QueryAsync(async db =>
        await db.Media.CountAsync(m => m.Id == id) + await db.FrameScores.CountAsync(f => f.MediaId == id) + await db.ClassMaxima.CountAsync(c => c.MediaId == id)
        + await db.Verdicts.CountAsync(v => v.MediaId == id) + await db.ReviewTasks.CountAsync(t => t.MediaId == id)
        + await db.ReviewFeedback.CountAsync(f => f.MediaId == id) + await db.Outbox.CountAsync(o => o.MediaId == id && o.MessageType != nameof(MediumErased)));

    private static string Sha(Guid seed) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(seed.ToByteArray()));
}
