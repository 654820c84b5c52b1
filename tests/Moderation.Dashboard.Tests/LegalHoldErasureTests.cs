using Moderation.BlobStorage;
using Moderation.Contracts.V1;
using Xunit;
using static Microsoft.Playwright.Assertions;

namespace Moderation.Dashboard.Tests;

/// <summary>
/// The media page's legal hold (reviewers and administrators, with a reason) and erasure (administrators, typed
/// confirmation, through ingest), each checked where it lands: the results database, its audit log and the blob store.
/// </summary>
[Collection(DashboardCollection.Name)]
public sealed class LegalHoldErasureTests(DashboardFixture fixture)
{
    [Fact]
    public async Task Reviewer_places_and_lifts_a_legal_hold_with_a_reason_and_the_audit_log_records_both()
    {
        var medium = await SeedAsync("File:Held clip art.png");
        var page = await fixture.SignInAsync(fixture.Stack.ReviewerKey);
        await page.GotoAsync($"/Media/{medium.MediaId}");
        var hold = page.Locator("[data-testid=legal-hold]");
        await Expect(hold).ToHaveAttributeAsync("data-held", "false");
        await Expect(page.Locator("[data-testid=erase-form]")).ToHaveCountAsync(0);

        // No reason, no hold: the browser insists, and so does the server when the form is bypassed.
        await page.ClickAsync("[data-testid=legal-hold-submit]");
        await Expect(hold).ToHaveAttributeAsync("data-held", "false");
        await page.EvalOnSelectorAsync("[data-testid=legal-hold-form]", "f => f.noValidate = true");
        await page.ClickAsync("[data-testid=legal-hold-submit]");
        await Expect(page.Locator("[data-testid=notice]")).ToContainTextAsync("Give a reason");
        await Expect(hold).ToHaveAttributeAsync("data-held", "false");

        await page.FillAsync("[data-testid=legal-hold-reason]", "case 7: preservation request");
        await page.ClickAsync("[data-testid=legal-hold-submit]");
        await Expect(page.Locator("[data-testid=notice]")).ToContainTextAsync("Legal hold placed");
        await Expect(hold).ToHaveAttributeAsync("data-held", "true");
        Assert.True(await fixture.Stack.ScalarAsync<bool>($"SELECT legal_hold FROM media WHERE id = '{medium.MediaId}'"));
        await Browser.ScreenshotAsync(page, "legal-hold");

        await page.FillAsync("[data-testid=legal-hold-reason]", "case 7 closed");
        await page.ClickAsync("[data-testid=legal-hold-submit]");
        await Expect(hold).ToHaveAttributeAsync("data-held", "false");
        Assert.Equal(
            [("legal-hold.set", DashboardStack.ReviewerName, "case 7: preservation request"), ("legal-hold.clear", DashboardStack.ReviewerName, "case 7 closed")],
            await AuditAsync(medium.MediaId, "legal-hold.%"));
        await page.Context.CloseAsync();

        // The owner's read-only session sees the state but has no say in it.
        var owner = await fixture.SignInAsync(fixture.Stack.ReaderKey);
        await owner.GotoAsync($"/Media/{medium.MediaId}");
        await Expect(owner.Locator("[data-testid=legal-hold]")).ToHaveAttributeAsync("data-held", "false");
        await Expect(owner.Locator("[data-testid=legal-hold-form]")).ToHaveCountAsync(0);
        await Expect(owner.Locator("[data-testid=erase-form]")).ToHaveCountAsync(0);
        await owner.Context.CloseAsync();
    }

    [Fact]
    public async Task Administrator_erases_from_the_media_page_only_after_typing_the_confirmation_and_never_under_legal_hold()
    {
        var medium = await SeedAsync("File:To be erased.png");
        var frame = Path.Combine(fixture.Stack.BlobRoot, BlobStorageExtensions.FrameKey(medium.MediaId, 0));
        Assert.True(File.Exists(frame));
        var page = await fixture.SignInAsync(fixture.Stack.IngestAdminKey);
        await page.GotoAsync($"/Media/{medium.MediaId}");

        // Held: the page offers no erasure, and ingest would refuse it anyway.
        await page.FillAsync("[data-testid=legal-hold-reason]", "litigation hold 3");
        await page.ClickAsync("[data-testid=legal-hold-submit]");
        await Expect(page.Locator("[data-testid=erase-held]")).ToBeVisibleAsync();
        await Expect(page.Locator("[data-testid=erase-form]")).ToHaveCountAsync(0);
        await page.FillAsync("[data-testid=legal-hold-reason]", "litigation over");
        await page.ClickAsync("[data-testid=legal-hold-submit]");

        // A wrong confirmation erases nothing (the pattern is bypassed, so the server's check is the one tested).
        await page.FillAsync("[data-testid=erase-reason]", "takedown request 42");
        await page.FillAsync("[data-testid=erase-confirmation]", "erase");
        await page.EvalOnSelectorAsync("[data-testid=erase-form]", "f => f.noValidate = true");
        await page.ClickAsync("[data-testid=erase-submit]");
        await Expect(page.Locator("[data-testid=notice]")).ToContainTextAsync("Not erased");
        Assert.Equal(1, await fixture.Stack.CountAsync($"SELECT count(*) FROM media WHERE id = '{medium.MediaId}'"));

        await page.FillAsync("[data-testid=erase-reason]", "takedown request 42");
        await page.FillAsync("[data-testid=erase-confirmation]", "ERASE");
        await page.ClickAsync("[data-testid=erase-submit]");
        await Expect(page.Locator("[data-testid=erasure]")).ToBeVisibleAsync();
        await Expect(page.Locator("[data-testid=erasure-reason]")).ToHaveTextAsync("takedown request 42");
        await Expect(page.Locator("[data-testid=erasure-client]")).ToHaveTextAsync(DashboardStack.SeedingClient);
        await Expect(page.Locator("[data-testid=erasure-by]")).ToContainTextAsync(DashboardStack.IngestAdminName);
        await Browser.ScreenshotAsync(page, "erased");

        Assert.Equal(0, await fixture.Stack.CountAsync($"SELECT count(*) FROM media WHERE id = '{medium.MediaId}'"));
        Assert.Equal(1, await fixture.Stack.CountAsync($"SELECT count(*) FROM erasures WHERE media_id = '{medium.MediaId}'"));
        Assert.Equal([("legal-hold.set", DashboardStack.IngestAdminName, "litigation hold 3"), ("legal-hold.clear", DashboardStack.IngestAdminName, "litigation over"),
            ("medium.erase", DashboardStack.IngestAdminName, "takedown request 42")],
            await AuditAsync(medium.MediaId, "legal-hold.%", "medium.erase"));
        await WaitUntilAsync(() => !File.Exists(frame), "the frames to be deleted");
        await page.Context.CloseAsync();

        // The owner reads the tombstone; another client's session finds nothing at all.
        var owner = await fixture.SignInAsync(fixture.Stack.ReaderKey);
        await owner.GotoAsync($"/Media/{medium.MediaId}");
        await Expect(owner.Locator("[data-testid=erasure-reason]")).ToHaveTextAsync("takedown request 42");
        await owner.Context.CloseAsync();
        var stranger = await fixture.SignInAsync(fixture.Stack.OtherClientReaderKey);
        Assert.Equal(404, (await stranger.Context.APIRequest.GetAsync($"/Media/{medium.MediaId}")).Status);
        await stranger.Context.CloseAsync();
    }

    [Fact]
    public async Task A_reviewer_without_the_admin_scope_is_offered_no_erasure()
    {
        var medium = await SeedAsync("File:Reviewer only.png");
        var page = await fixture.SignInAsync(fixture.Stack.ReviewerKey);
        await page.GotoAsync($"/Media/{medium.MediaId}");
        await Expect(page.Locator("[data-testid=legal-hold-form]")).ToBeVisibleAsync();
        await Expect(page.Locator("[data-testid=erase-form]")).ToHaveCountAsync(0);
        await page.Context.CloseAsync();
    }

    private async Task<SeededMedium> SeedAsync(string externalId)
    {
        var id = Guid.NewGuid();
        var medium = new SeededMedium(id, externalId, Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(id.ToByteArray())), MediaKind.Still,
            [SeededMedium.Scores(0.1f)], 0);
        await fixture.Seeder.PublishAsync(medium);
        await fixture.Seeder.WaitConcludedAsync(medium.MediaId);
        return medium;
    }

    private async Task<List<(string Action, string ClientId, string Reason)>> AuditAsync(Guid mediaId, params string[] actions)
    {
        await using var db = await fixture.Stack.OpenResultsDatabaseAsync();
        await using var command = new Npgsql.NpgsqlCommand(
            "SELECT action, client_id, coalesce(details::jsonb ->> 'reason', '') FROM audit_log WHERE media_id = @id AND action LIKE ANY(@actions) ORDER BY id", db);
        command.Parameters.AddWithValue("id", mediaId);
        command.Parameters.AddWithValue("actions", actions);
        var rows = new List<(string, string, string)>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add((reader.GetString(0), reader.GetString(1), reader.GetString(2)));
        }

        return rows;
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out waiting for {what}.");
            }

            await Task.Delay(100);
        }
    }
}
