using System.Net.Http.Json;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Moderation.Pdq;
using Moderation.Results.Apis;
using Moderation.Results.Banks;
using Moderation.Results.Data;
using Moderation.Results.Tests.Infrastructure;
using Xunit;

namespace Moderation.Results.Tests;

/// <summary>
/// Two replicas' hash-bank indexes over one database: changes made through one replica's API (single entries, an
/// import, removals) reach the other as the changes since the revision it holds, applied in place — never a reload of
/// the whole bank — and leave it matching exactly what a fresh load of the bank matches.
/// </summary>
public sealed class BankIndexTests : IAsyncLifetime
{
    private ResultsApp app = null!;

    public async Task InitializeAsync() => app = await ResultsApp.StartAsync();

    public async Task DisposeAsync() => await app.DisposeAsync();

    [Fact]
    public async Task Another_replica_applies_added_imported_and_removed_entries_without_reloading_the_bank()
    {
        var random = new Random(3);
        var hashes = Enumerable.Range(0, 60).Select(_ => new PdqHash((ulong)random.NextInt64(), (ulong)random.NextInt64(), (ulong)random.NextInt64(),
            (ulong)random.NextInt64())).ToList();
        using var admin = app.Client(ResultsApp.AdminKey);
        (await admin.PostAsJsonAsync("/banks", new { name = "known", action = "block" })).EnsureSuccessStatusCode();
        (await admin.PostAsJsonAsync("/banks/known/entries", new { pdq = hashes[0].ToHex() })).EnsureSuccessStatusCode();

        using var replica = new BankIndex(NullLogger<BankIndex>.Instance);
        await WithDbAsync(db => replica.RefreshAsync(db, CancellationToken.None));
        Assert.Equal((1, 0, 1), (replica.FullLoads, replica.IncrementalUpdates, replica.Entries));

        // Changes through the other replica: one entry, an import of fifty, and two removals (one from the import).
        (await admin.PostAsJsonAsync("/banks/known/entries", new { pdq = hashes[1].ToHex() })).EnsureSuccessStatusCode();
        var csv = string.Join('\n', hashes.Skip(2).Take(50).Select(h => h.ToHex()));
        (await admin.PostAsync("/banks/known/entries:import", new StringContent(csv, Encoding.UTF8, "text/csv"))).EnsureSuccessStatusCode();
        var page = await app.GetAsync<BankEntryPage>("/banks/known/entries?limit=100");
        foreach (var removed in page.Items.Where(e => e.Pdq == hashes[0].ToHex() || e.Pdq == hashes[10].ToHex()))
        {
            (await admin.DeleteAsync($"/banks/known/entries/{removed.Id}")).EnsureSuccessStatusCode();
        }

        await WithDbAsync(db => replica.RefreshAsync(db, CancellationToken.None));
        Assert.Equal((1, 1, 50), (replica.FullLoads, replica.IncrementalUpdates, replica.Entries));

        using var fresh = new BankIndex(NullLogger<BankIndex>.Instance);
        await WithDbAsync(db => fresh.RefreshAsync(db, CancellationToken.None));
        foreach (var hash in hashes)
        {
            Assert.Equal(fresh.Match(null, [hash]).Select(h => h.Distance), replica.Match(null, [hash]).Select(h => h.Distance));
        }

        Assert.Empty(replica.Match(null, [hashes[0]]));
        Assert.Empty(replica.Match(null, [hashes[10]]));
        Assert.Equal(0, Assert.Single(replica.Match(null, [hashes[11]])).Distance);
        Assert.Empty(replica.Match(null, [hashes[55]]));

        // Nothing moved: nothing is read again.
        await WithDbAsync(db => replica.RefreshAsync(db, CancellationToken.None));
        Assert.Equal((1, 1), (replica.FullLoads, replica.IncrementalUpdates));
    }

    private async Task WithDbAsync(Func<ResultsDbContext, Task> work)
    {
        await using var scope = app.Services.CreateAsyncScope();
        await work(scope.ServiceProvider.GetRequiredService<ResultsDbContext>());
    }
}
