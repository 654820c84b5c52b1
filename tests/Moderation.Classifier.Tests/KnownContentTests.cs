using System.Collections.Concurrent;
using MassTransit;
using Moderation.Contracts;
using Moderation.Contracts.V1;
using Moderation.Pdq;
using Moderation.ServiceDefaults;

namespace Moderation.Classifier.Tests;

/// <summary>
/// A still's frame (<see cref="FrameExtracted.MatchKnownContent"/>) is PDQ-hashed by the real worker from the decode it
/// makes for the model — the same hash Meta's pipeline gives the encoded file — and results (a stand-in answering
/// <see cref="MatchFrameHash"/> on results' queue) is asked before the model runs: a still known content decides is
/// withheld from the model and publishes nothing; the others are scored as usual. Frames without the mark (a video's,
/// which the extractor hashes) are never asked about.
/// </summary>
public sealed class KnownContentTests(ModelFixture fixture) : IClassFixture<ModelFixture>
{
    private static readonly TimeSpan ResultTimeout = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task A_still_is_hashed_from_its_one_decode_and_a_still_known_content_decides_never_reaches_the_model()
    {
        var pictures = await TestFrames.PatternsAsync(3);
        var known = Guid.NewGuid();
        var unknown = Guid.NewGuid();
        var video = Guid.NewGuid();
        var questions = new ConcurrentQueue<MatchFrameHash>();
        await using var results = await ResultsStandInAsync(fixture.RabbitMqUri, q =>
        {
            questions.Enqueue(q);
            return new FrameHashMatched(q.MediaId, q.FrameIndex, q.MediaId == known ? FrameHashOutcome.Decided : FrameHashOutcome.Classify,
                q.MediaId == known ? Decision.Block : null);
        });
        await using var host = ClassifierHost.Start(fixture.RabbitMqUri, fixture.ManifestPath);
        await using var bus = await FrameBus.StartAsync(fixture.RabbitMqUri);
        var metrics = host.Get<ClassifierMetrics>();

        await bus.PublishAsync(Still(known, pictures[0]), Still(unknown, pictures[1]),
            new FrameExtracted(video, video, 0, 0, pictures[2], null, 224, 224, SubmissionPriority.Normal));
        await bus.WaitForResultsAsync(2, ResultTimeout);
        using (var timeout = new CancellationTokenSource(ResultTimeout))
        {
            while (metrics.FramesKnown < 1)
            {
                await Task.Delay(50, timeout.Token);
            }
        }

        Assert.Equal(new[] { unknown, video }.Order(), bus.Classified.Keys.Select(k => k.MediaId).Order());
        Assert.Empty(bus.Failed);
        Assert.Equal(1, metrics.FramesKnown);

        Assert.Equal(new[] { known, unknown }.Order(), questions.Select(q => q.MediaId).Order());
        foreach (var (question, picture) in questions.Select(q => (q, q.MediaId == known ? pictures[0] : pictures[1])))
        {
            // The hash from the worker's decode is the hash of the encoded file, in all eight orientations.
            var expected = PdqHasher.HashWithDihedrals(picture);
            Assert.Equal(expected.Original.ToHex(), question.Pdq);
            Assert.Equal(expected.Quality, question.Quality);
            Assert.Equal(expected.Hashes.Skip(1).Select(h => h.ToHex()), question.Orientations);
            Assert.Equal((MediaKind.Still, "client-a", "strict", 0), (question.Kind, question.ClientId, question.Policy, question.FrameIndex));
        }
    }

    private static FrameExtracted Still(Guid mediaId, byte[] picture) =>
        new(mediaId, mediaId, 0, 0, picture, null, 224, 224, SubmissionPriority.Normal)
        {
            Policy = "strict", MatchKnownContent = true, ClientId = "client-a",
        };

    /// <summary>Answers the worker's <see cref="MatchFrameHash"/> on results' own queue, as results would.</summary>
    private static async Task<IAsyncDisposable> ResultsStandInAsync(string rabbitMqUri, Func<MatchFrameHash, FrameHashMatched> answer)
    {
        var endpoint = RabbitMqEndpoint.Parse(rabbitMqUri);
        var bus = Bus.Factory.CreateUsingRabbitMq(cfg =>
        {
            cfg.Host(endpoint.Host, endpoint.Port, endpoint.VirtualHost, h =>
            {
                h.Username(endpoint.Username);
                h.Password(endpoint.Password);
            });
            cfg.ReceiveEndpoint(QueueNames.ResultsMatchFrameHash, e => e.Handler<MatchFrameHash>(context => context.RespondAsync(answer(context.Message))));
        });
        await bus.StartAsync();
        return new StoppingBus(bus);
    }

    private sealed class StoppingBus(IBusControl bus) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync() => await bus.StopAsync();
    }
}
