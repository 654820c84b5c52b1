using System.Diagnostics.Metrics;
using System.Net;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Moderation.Contracts.V1;
using Moderation.Results.Aggregation;
using Moderation.Results.Queries;
using Moderation.Results.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace Moderation.Results.Tests;

public sealed class AggregationFixture : IAsyncLifetime
{
    public ResultsApp App { get; private set; } = null!;

    public BusProbe Probe { get; private set; } = null!;

    public CallbackReceiver Callbacks { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        App = await ResultsApp.StartAsync();
        Probe = await BusProbe.StartAsync(App.RabbitMq);
        Callbacks = await CallbackReceiver.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await Probe.DisposeAsync();
        await Callbacks.DisposeAsync();
        await App.DisposeAsync();
    }
}

public sealed class AggregationTests(AggregationFixture fixture, ITestOutputHelper output) : IClassFixture<AggregationFixture>
{
    private ResultsApp App => fixture.App;

    [Fact]
    public async Task Redelivered_frame_never_changes_the_verdict()
    {
        var id = Guid.NewGuid();
        await App.Bus.Publish(Messages.Submitted(id));
        await App.Bus.Publish(Messages.Planned(id, 3));
        await App.Bus.Publish(Messages.Frame(id, 0, ("Sexy", 0.2f)));
        await App.Bus.Publish(Messages.Frame(id, 1, ("Sexy", 0.3f)));
        await WaitForFramesAsync(id, 2);
        // The same frame again, even with different scores: the first delivery stands.
        await App.Bus.Publish(Messages.Frame(id, 1, ("Sexy", 0.45f)));
        await App.Bus.Publish(Messages.Frame(id, 1, ("Sexy", 0.45f)));
        await App.Bus.Publish(Messages.Frame(id, 2, ("Sexy", 0.1f)));
        await App.Bus.Publish(Messages.Completed(id, 3));

        var verdict = await fixture.Probe.WaitAsync<VerdictReached>(id);
        Assert.Equal(Decision.Allow, verdict.Decision);
        Assert.Equal(3, verdict.FramesScored);
        var sexy = verdict.Maxima.Single(m => m.Class == "Sexy");
        Assert.Equal(0.3f, sexy.Score);
        Assert.Equal(1, sexy.FrameIndex);
        Assert.Equal(5.0, sexy.TimestampSeconds);

        await App.Bus.Publish(Messages.Frame(id, 2, ("Sexy", 0.99f)));
        await Task.Delay(500);
        var media = await App.GetAsync<MediaDetails>($"/media/{id}");
        Assert.Equal(0.3f, media.Verdict!.Maxima.Single(m => m.Class == "Sexy").Score);
        Assert.Equal(3, media.FramesScored);
        Assert.Single(fixture.Probe.All<VerdictReached>(id));
        Assert.Equal(1, await App.QueryAsync(db => db.Verdicts.CountAsync(v => v.MediaId == id)));
    }

    [Fact]
    public async Task Messages_in_any_order_reach_one_verdict_once_the_submission_arrives()
    {
        var id = Guid.NewGuid();
        // Scores and the exact frame count overtake the submission and the plan.
        await App.Bus.Publish(Messages.Frame(id, 2, ("Sexy", 0.61f)));
        await App.Bus.Publish(Messages.Completed(id, 3));
        await App.Bus.Publish(Messages.Frame(id, 0, ("Sexy", 0.2f)));
        await App.Bus.Publish(Messages.Frame(id, 1, ("Hentai", 0.3f)));
        await WaitForFramesAsync(id, 3);
        var before = await App.GetAsync<MediaDetails>($"/media/{id}");
        Assert.Null(before.Verdict);
        Assert.Equal(MediaStates.Processing, before.State);

        await App.Bus.Publish(Messages.Submitted(id, externalId: "File:Out-of-order.webm"));
        await App.Bus.Publish(Messages.Planned(id, 3));

        var verdict = await fixture.Probe.WaitAsync<VerdictReached>(id);
        Assert.Equal(Decision.Review, verdict.Decision);
        Assert.Equal("File:Out-of-order.webm", verdict.ExternalId);
        Assert.False(verdict.DecidedEarly);
        var sexy = verdict.Maxima.Single(m => m.Class == "Sexy");
        Assert.Equal((0.61f, 2, 10.0), (sexy.Score, sexy.FrameIndex, sexy.TimestampSeconds));

        var media = await App.GetAsync<MediaDetails>($"/media/{id}");
        Assert.Equal(MediaStates.Completed, media.State);
        Assert.Equal(1.0, media.Progress);
        Assert.Equal("Sexy", media.Verdict!.TriggerClass);
        Assert.Single(media.Reviews);
        Assert.Equal("policy", media.Reviews[0].Reason);
    }

    [Fact]
    public async Task Corroborated_frames_over_a_block_threshold_decide_early_and_tell_the_extractor()
    {
        var id = Guid.NewGuid();
        await App.Bus.Publish(Messages.Submitted(id, callbackUrl: fixture.Callbacks.BaseUrl + "/hooks/early"));
        await App.Bus.Publish(Messages.Planned(id, 100));
        await App.Bus.Publish(Messages.Frame(id, 0, ("Sexy", 0.2f)));
        await App.Bus.Publish(Messages.Frame(id, 6, ("Porn", 0.93f)));
        await App.Bus.Publish(Messages.Frame(id, 7, ("Porn", 0.95f)));

        var decided = await fixture.Probe.WaitAsync<MediaDecided>(id);
        Assert.Equal((Decision.Block, "Porn", 0.95f, 7), (decided.Decision, decided.Class, decided.Score, decided.FrameIndex));
        var verdict = await fixture.Probe.WaitAsync<VerdictReached>(id);
        Assert.Equal(Decision.Block, verdict.Decision);
        Assert.True(verdict.DecidedEarly);

        var media = await App.GetAsync<MediaDetails>($"/media/{id}");
        Assert.Equal(MediaStates.Completed, media.State);
        Assert.Null(media.ExpectedFrames);
        Assert.True(media.Progress == 1.0);

        // The extractor stops; frames already in flight still land for the timeline but decide nothing again.
        await App.Bus.Publish(Messages.Frame(id, 8, ("Porn", 0.99f)));
        await App.Bus.Publish(Messages.Completed(id, 9));
        await WaitForFramesAsync(id, 4);
        await Task.Delay(300);
        Assert.Single(fixture.Probe.All<VerdictReached>(id));
        Assert.Single(fixture.Probe.All<MediaDecided>(id));
        var callback = await Eventually.GetAsync(() => Task.FromResult(fixture.Callbacks.Received.FirstOrDefault(c => c.Path == "/hooks/early")), "callback");
        Assert.Contains("\"decidedEarly\":true", System.Text.Encoding.UTF8.GetString(callback.Body));
    }

    [Fact]
    public async Task Concurrent_frames_of_one_medium_never_lose_a_maximum()
    {
        var id = Guid.NewGuid();
        var random = new Random(42);
        var frames = Enumerable.Range(0, 60)
            .Select(i => Messages.Frame(id, i, ("Sexy", (float)Math.Round(random.NextDouble() * 0.49, 4)), ("Drawing", (float)Math.Round(random.NextDouble(), 4))))
            .ToList();
        await App.Bus.Publish(Messages.Submitted(id));
        var watch = System.Diagnostics.Stopwatch.StartNew();
        await Task.WhenAll(frames.Select(f => App.Bus.Publish(f)));
        await App.Bus.Publish(Messages.Completed(id, frames.Count));

        var verdict = await fixture.Probe.WaitAsync<VerdictReached>(id, timeout: TimeSpan.FromSeconds(40));
        output.WriteLine($"{frames.Count} concurrent frames of one medium folded and decided in {watch.Elapsed.TotalSeconds:0.00} s");
        Assert.Equal(frames.Count, verdict.FramesScored);
        foreach (var cls in new[] { "Sexy", "Drawing" })
        {
            var expected = frames.Select(f => (Score: f.Scores[cls], f.FrameIndex)).OrderByDescending(x => x.Score).ThenBy(x => x.FrameIndex).First();
            var actual = verdict.Maxima.Single(m => m.Class == cls);
            Assert.Equal(expected, (actual.Score, actual.FrameIndex));
        }

        await Task.Delay(300);
        Assert.Single(fixture.Probe.All<VerdictReached>(id));
    }

    [Fact]
    public async Task Stills_arriving_together_are_folded_in_shared_transactions_and_each_reaches_its_own_verdict()
    {
        var ids = Enumerable.Range(0, 40).Select(_ => Guid.NewGuid()).ToList();
        using var transactions = new TransactionRecorder(App.Services.GetRequiredService<IMeterFactory>());

        await Task.WhenAll(ids.SelectMany((id, i) => new object[]
        {
            Messages.Submitted(id), Messages.Planned(id, 1), Messages.Frame(id, 0, ("Drawing", i / 100f)), Messages.Completed(id, 1),
        }).Select(m => App.Bus.Publish(m)));

        for (var i = 0; i < ids.Count; i++)
        {
            var verdict = await fixture.Probe.WaitAsync<VerdictReached>(ids[i]);
            Assert.Equal(i / 100f, verdict.Maxima.Single(m => m.Class == "Drawing").Score);
        }

        // 160 messages about 40 media: a transaction per message would commit 160, each changing one medium.
        var (committed, media) = transactions.Totals;
        output.WriteLine($"{committed} transactions changed {media} media for {ids.Count * 4} messages");
        Assert.True(committed < ids.Count * 2, $"{committed} transactions for {ids.Count * 4} messages");
        Assert.True(media >= ids.Count * 4 / 2, $"only {media} media changed");
    }

    [Fact]
    public async Task A_still_whose_plan_is_complete_is_decided_without_a_completion_message()
    {
        var id = Guid.NewGuid();

        await App.Bus.Publish(Messages.Frame(id, 0, ("Neutral", 0.8f)));
        await App.Bus.Publish(Messages.Planned(id, 1) with { Kind = MediaKind.Still, ExtractionComplete = true });
        await App.Bus.Publish(Messages.Submitted(id));

        var verdict = await fixture.Probe.WaitAsync<VerdictReached>(id);
        Assert.Equal((Decision.Allow, 1), (verdict.Decision, verdict.FramesScored));
    }

    [Fact]
    public async Task A_plan_of_the_previous_contract_still_waits_for_the_completion_message()
    {
        var id = Guid.NewGuid();
        await App.Bus.Publish(Messages.Submitted(id));
        await App.Bus.Publish(Messages.Planned(id, 2));
        await App.Bus.Publish(Messages.Frame(id, 0, ("Neutral", 0.8f)));
        await WaitForFramesAsync(id, 1);
        Assert.Equal(MediaStates.Processing, (await App.GetAsync<MediaDetails>($"/media/{id}")).State);

        await App.Bus.Publish(Messages.Completed(id, 1));

        Assert.Equal(1, (await fixture.Probe.WaitAsync<VerdictReached>(id)).FramesScored);
    }

    [Fact]
    public async Task A_url_only_submission_of_the_previous_format_does_not_register_the_medium_the_stored_copy_does_with_its_sha256_type_and_size()
    {
        var id = Guid.NewGuid();
        var stored = Messages.Submitted(id, callbackUrl: fixture.Callbacks.BaseUrl + "/hooks/by-url");
        // A direct publisher of an earlier version names only a URL; ingest fetches and stores it and publishes the stored copy.
        await App.Bus.Publish(stored with { BlobKey = null, SourceUrl = "https://uploads.example/a.png", Sha256 = null, ContentType = null, SizeBytes = 0 });
        // The frame and completion arrive before the stored copy: were the URL-only copy a registration, the verdict
        // would be reached, and called back, without sha256.
        await App.Bus.Publish(Messages.Frame(id, 0, ("Neutral", 0.9f)));
        await App.Bus.Publish(Messages.Completed(id, 1));
        await WaitForFramesAsync(id, 1);
        await Eventually.TrueAsync(async () => (await App.FindAsync<MediaDetails>($"/media/{id}"))?.ExpectedFrames == 1, "completion");
        Assert.Null((await App.GetAsync<MediaDetails>($"/media/{id}")).Sha256);
        Assert.Equal(MediaStates.Processing, (await App.GetAsync<MediaDetails>($"/media/{id}")).State);

        await App.Bus.Publish(stored);

        await fixture.Probe.WaitAsync<VerdictReached>(id);
        var callback = await Eventually.GetAsync(() => Task.FromResult(fixture.Callbacks.Received.FirstOrDefault(c => c.Path == "/hooks/by-url")), "callback");
        Assert.Contains($"\"sha256\":\"{stored.Sha256}\"", System.Text.Encoding.UTF8.GetString(callback.Body));
        var media = await App.GetAsync<MediaDetails>($"/media/{id}");
        Assert.Equal((stored.Sha256, stored.ContentType, stored.SizeBytes), (media.Sha256, media.ContentType, media.SizeBytes));
    }

    [Fact]
    public async Task A_message_that_cannot_be_stored_does_not_hold_back_the_others_of_its_batch()
    {
        var poison = Guid.NewGuid();
        var ids = Enumerable.Range(0, 10).Select(_ => Guid.NewGuid()).ToList();

        // An external id longer than its column fails the whole first attempt of the batch it lands in.
        await Task.WhenAll(ids.Select(id => App.Bus.Publish(Messages.Submitted(id)))
            .Append(App.Bus.Publish(Messages.Submitted(poison, externalId: new string('x', 600)))));
        await Task.WhenAll(ids.SelectMany(id => new object[] { Messages.Frame(id, 0, ("Neutral", 0.9f)), Messages.Completed(id, 1) }).Select(m => App.Bus.Publish(m)));

        foreach (var id in ids)
        {
            Assert.Equal(Decision.Allow, (await fixture.Probe.WaitAsync<VerdictReached>(id)).Decision);
        }
    }

    /// <summary>The transactions this app's results committed, from its meter (other tests' apps run beside it).</summary>
    private sealed class TransactionRecorder : IDisposable
    {
        private readonly MeterListener listener = new();
        private long transactions;
        private long media;

        public TransactionRecorder(IMeterFactory app)
        {
            listener.InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Scope == app && instrument.Name == "moderation.results.transaction.media")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            };
            listener.SetMeasurementEventCallback<int>((_, count, _, _) =>
            {
                Interlocked.Increment(ref transactions);
                Interlocked.Add(ref media, count);
            });
            listener.Start();
        }

        public (long Transactions, long Media) Totals => (Interlocked.Read(ref transactions), Interlocked.Read(ref media));

        public void Dispose() => listener.Dispose();
    }

    [Fact]
    public async Task A_failure_ends_the_medium_once_and_later_frames_decide_nothing()
    {
        var id = Guid.NewGuid();
        await App.Bus.Publish(Messages.Submitted(id, callbackUrl: fixture.Callbacks.BaseUrl + "/hooks/failed"));
        await App.Bus.Publish(Messages.Frame(id, 0, ("Sexy", 0.1f)));
        await App.Bus.Publish(new MediaFailed(id, id, FailureReasons.Truncated, "moov atom missing", "frame-extractor", DateTimeOffset.UtcNow));
        var failed = await Eventually.GetAsync(async () =>
        {
            var m = await App.FindAsync<MediaDetails>($"/media/{id}");
            return m?.State == MediaStates.Failed ? m : null;
        }, "failure");
        Assert.Equal((FailureReasons.Truncated, "frame-extractor"), (failed.Failure!.Reason, failed.Failure.Stage));

        await App.Bus.Publish(Messages.Completed(id, 1));
        await App.Bus.Publish(new FrameFailed(id, id, 3, FailureReasons.FrameUndecodable, "bad jpeg"));
        var callback = await Eventually.GetAsync(() => Task.FromResult(fixture.Callbacks.Received.FirstOrDefault(c => c.Path == "/hooks/failed")), "failure callback");
        Assert.Equal("media.failed", callback.Header("X-Moderation-Event"));
        await Task.Delay(300);
        var after = await App.GetAsync<MediaDetails>($"/media/{id}");
        Assert.Equal(FailureReasons.Truncated, after.Failure!.Reason);
        Assert.Null(after.Verdict);
        Assert.Empty(fixture.Probe.All<VerdictReached>(id));
        Assert.Single(fixture.Callbacks.Received, c => c.Path == "/hooks/failed");
    }

    [Fact]
    public async Task Extraction_without_frames_fails_with_no_frames()
    {
        var id = Guid.NewGuid();
        await App.Bus.Publish(Messages.Completed(id, 0));
        await App.Bus.Publish(Messages.Submitted(id));
        var status = await Eventually.GetAsync(async () =>
        {
            var response = await App.Bus.CreateRequestClient<GetMediaStatus>().GetResponse<MediaStatus>(new GetMediaStatus(id));
            return response.Message.State == MediaStates.Failed ? response.Message : null;
        }, "failure");
        Assert.Equal(FailureReasons.NoFrames, status.Failure!.Reason);
    }

    [Fact]
    public async Task The_stall_sweep_fails_open_media_without_progress_and_calls_them_back_but_leaves_the_others()
    {
        var stalled = Guid.NewGuid();
        var moving = Guid.NewGuid();
        var decided = Guid.NewGuid();
        await using (var scope = App.Services.CreateAsyncScope())
        {
            var aggregator = scope.ServiceProvider.GetRequiredService<MediaAggregator>();
            await aggregator.RegisterAsync(
                [Messages.Submitted(stalled, callbackUrl: fixture.Callbacks.BaseUrl + "/hooks/stalled"), Messages.Submitted(moving), Messages.Submitted(decided)], default);
            await aggregator.PlanAsync([Messages.Planned(stalled, 4), Messages.Planned(moving, 4), Messages.Planned(decided, 1)], default);
            await aggregator.RecordScoresAsync([Messages.Frame(stalled, 0, ("Sexy", 0.1f)), Messages.Frame(decided, 0, ("Sexy", 0.1f))], default);
            await aggregator.CompleteExtractionAsync([Messages.Completed(decided, 1)], default);
        }

        // Older than this sweep's timeout, younger than the hosted sweeper's (an hour), which therefore leaves them alone.
        var quiet = DateTimeOffset.UtcNow.AddMinutes(-45);
        await App.QueryAsync(db => db.Media.Where(m => m.Id == stalled || m.Id == decided).ExecuteUpdateAsync(s => s.SetProperty(m => m.UpdatedAt, quiet)));

        int failed;
        await using (var scope = App.Services.CreateAsyncScope())
        {
            failed = await scope.ServiceProvider.GetRequiredService<MediaAggregator>().FailStalledAsync(TimeSpan.FromMinutes(30), default);
        }

        Assert.Equal(1, failed);
        var media = await App.QueryAsync(db => db.Media.Where(m => m.Id == stalled || m.Id == moving || m.Id == decided).ToDictionaryAsync(m => m.Id));
        Assert.Equal((MediaStates.Failed, FailureReasons.ExtractionTimeout, "No progress for 00:30:00: 1 of 4 frames scored.", "results"),
            (media[stalled].State, media[stalled].FailureReason, media[stalled].FailureDetail, media[stalled].FailureStage));
        Assert.Equal((MediaStates.Processing, MediaStates.Completed), (media[moving].State, media[decided].State));
        await Eventually.TrueAsync(() => Task.FromResult(fixture.Callbacks.Received.Any(c => c.Path == "/hooks/stalled")), "the failure callback");
    }

    [Fact]
    public async Task Status_and_content_lookups_answer_over_the_bus()
    {
        var id = Guid.NewGuid();
        var sha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(id.ToByteArray()));
        var statusClient = App.Bus.CreateRequestClient<GetMediaStatus>();
        var unknown = await statusClient.GetResponse<MediaStatus>(new GetMediaStatus(id));
        Assert.False(unknown.Message.Found);
        Assert.Equal(MediaStates.Unknown, unknown.Message.State);

        await App.Bus.Publish(Messages.Submitted(id, sha256: sha));
        await App.Bus.Publish(Messages.Planned(id, 4));
        await App.Bus.Publish(Messages.Frame(id, 0, ("Sexy", 0.1f)));
        var progressing = await Eventually.GetAsync(async () =>
        {
            var r = await statusClient.GetResponse<MediaStatus>(new GetMediaStatus(id));
            return r.Message is { FramesScored: 1, PlannedFrames: 4 } ? r.Message : null;
        }, "progress");
        Assert.Equal((MediaStates.Processing, 4, 0.25), (progressing.State, progressing.PlannedFrames, progressing.Progress));

        await App.Bus.Publish(Messages.Completed(id, 1));
        await fixture.Probe.WaitAsync<VerdictReached>(id);
        var found = await App.Bus.CreateRequestClient<FindVerdictByContent>().GetResponse<MediaStatus>(new FindVerdictByContent(sha.ToUpperInvariant(), null));
        Assert.True(found.Message.Found);
        Assert.Equal(id, found.Message.MediaId);
        Assert.Equal(Decision.Allow, found.Message.Verdict!.Decision);
        Assert.Equal(("default", 1), (found.Message.Verdict.Policy, found.Message.Verdict.PolicyVersion));
        var otherPolicy = await App.Bus.CreateRequestClient<FindVerdictByContent>().GetResponse<MediaStatus>(new FindVerdictByContent(sha, "strict"));
        Assert.False(otherPolicy.Message.Found);
    }

    [Fact]
    public async Task Http_api_shows_frames_and_finds_media_by_external_id_and_hash()
    {
        var id = Guid.NewGuid();
        var externalId = "File:Timeline-" + id + ".webm";
        await App.Bus.Publish(Messages.Submitted(id, externalId: externalId));
        await App.Bus.Publish(Messages.Frame(id, 1, ("Drawing", 0.7f)));
        await App.Bus.Publish(Messages.Frame(id, 0, ("Drawing", 0.2f)));
        await App.Bus.Publish(Messages.Completed(id, 2));
        await fixture.Probe.WaitAsync<VerdictReached>(id);

        var frames = await App.GetAsync<List<FrameView>>($"/media/{id}/frames", ResultsApp.ReadKey);
        Assert.Equal([0, 1], frames.Select(f => f.FrameIndex));
        Assert.Equal(0.7f, frames[1].Scores["Drawing"]);

        var byExternal = await App.GetAsync<MediaPage>($"/media?externalId={Uri.EscapeDataString(externalId)}", ResultsApp.ReadKey);
        Assert.Equal(id, Assert.Single(byExternal.Items).Id);
        var sha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(id.ToByteArray()));
        var byHash = await App.GetAsync<MediaPage>($"/media?sha256={sha}", ResultsApp.ReadKey);
        Assert.Equal(id, Assert.Single(byHash.Items).Id);

        using var client = App.Client(ResultsApp.ReadKey);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/media/{Guid.NewGuid()}")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.GetAsync("/media?sha256=xyz")).StatusCode);
    }

    private Task WaitForFramesAsync(Guid id, int count) =>
        Eventually.TrueAsync(() => App.QueryAsync(db => db.FrameScores.CountAsync(f => f.MediaId == id)).ContinueWith(t => t.Result >= count),
            $"{count} frames of {id}");
}
