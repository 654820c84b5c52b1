using Microsoft.Playwright;
using Moderation.Contracts.V1;
using Xunit;
using static Microsoft.Playwright.Assertions;

namespace Moderation.Dashboard.Tests;

/// <summary>Undo of an older decision and of a skip from the desk, and the audit log per medium and reviewer with its CSV export.</summary>
[Collection(DashboardCollection.Name)]
public sealed class AuditLogTests(DashboardFixture fixture)
{
    private const string Policy = "audit-desk";

    [Fact]
    public async Task An_older_decision_and_a_skip_are_undone_and_the_audit_log_shows_who_when_how_long_and_the_comment()
    {
        var stack = fixture.Stack;
        using (var admin = stack.ResultsClient(stack.AdminKey))
        {
            using var created = await System.Net.Http.Json.HttpClientJsonExtensions.PostAsJsonAsync(admin, "policies", new
            {
                name = Policy,
                review = new Dictionary<string, float> { ["Drawing"] = 0.3f },
                block = new Dictionary<string, float> { ["Porn"] = 0.9f },
                earlyExit = false,
            });
            created.EnsureSuccessStatusCode();
        }

        var stills = new[] { 0.63f, 0.62f }.Select((score, i) => new SeededMedium(Guid.NewGuid(), $"File:Audited {i + 1}.png",
            Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(BitConverter.GetBytes(5000 + i))), MediaKind.Still, [SeededMedium.Scores(score)], 0)
        { Policy = Policy }).ToList();
        foreach (var still in stills)
        {
            await fixture.Seeder.PublishAsync(still);
        }

        await fixture.Seeder.WaitConcludedAsync([.. stills.Select(s => s.MediaId)]);
        var (first, second) = (stills[0], stills[1]);

        var page = await fixture.SignInAsync(stack.ReviewerKey);
        await page.GotoAsync($"/Review?policy={Policy}");
        var desk = page.Locator("[data-testid=desk]");
        await Expect(desk).ToHaveAttributeAsync("data-media", first.MediaId.ToString());
        await page.Keyboard.PressAsync("r");
        await page.FillAsync("#comment", "looks fine, a test card");
        await page.Keyboard.PressAsync("Escape");
        await page.Keyboard.PressAsync("a");
        await Expect(desk).ToHaveAttributeAsync("data-media", second.MediaId.ToString());
        await page.CheckAsync("[data-testid=blind]");
        await page.Keyboard.PressAsync("Escape");
        await page.Keyboard.PressAsync("b");
        await Expect(page.Locator("[data-testid=last-decision]")).ToHaveTextAsync("block");

        // Both decisions are offered for undo; the older one (the allow) is taken back, the newer block stays.
        await Expect(page.Locator($"[data-testid=recent-item]:has(a[href='/Media/{first.MediaId}'])")).ToHaveCountAsync(1);
        await Expect(page.Locator($"[data-testid=recent-item]:has(a[href='/Media/{second.MediaId}'])")).ToHaveCountAsync(1);
        await page.Locator($"[data-testid=recent-item][data-action=decide]:has(a[href='/Media/{first.MediaId}']) [data-testid=recent-undo]").ClickAsync();
        await Expect(page.Locator("[data-testid=notice]")).ToContainTextAsync("undone");
        Assert.Equal(0, await stack.CountAsync($"SELECT count(*) FROM review_feedback WHERE media_id = '{first.MediaId}'"));
        Assert.Equal(1, await stack.CountAsync($"SELECT count(*) FROM review_feedback WHERE media_id = '{second.MediaId}' AND decision = 'Block'"));
        await ContinueAfterBreakAsync(page);
        await Expect(desk).ToHaveAttributeAsync("data-media", first.MediaId.ToString());

        // A skip can be taken back too: the task comes straight back to this reviewer.
        await page.Keyboard.PressAsync("s");
        await Expect(page.Locator("[data-testid=notice]")).ToContainTextAsync("Skipped");
        await page.Locator($"[data-testid=recent-item][data-action=skip] [data-testid=recent-undo]").ClickAsync();
        await Expect(page.Locator("[data-testid=notice]")).ToContainTextAsync("Skip undone");
        await ContinueAfterBreakAsync(page);
        await Expect(desk).ToHaveAttributeAsync("data-media", first.MediaId.ToString());
        Assert.Equal(0, await stack.CountAsync($"SELECT count(*) FROM review_tasks WHERE media_id = '{first.MediaId}' AND '{DashboardStack.ReviewerName}' = ANY (skipped_by)"));
        await page.Keyboard.PressAsync("a");
        await Expect(page.Locator("[data-testid=last-decision]")).ToHaveTextAsync("allow");

        // The medium's audit trail: the decision with its comment and time spent, its undo, the skip and its undo, the reveal.
        await page.GotoAsync($"/Audit?mediaId={first.MediaId}");
        var rows = page.Locator("[data-testid=audit-row]");
        await Expect(page.Locator("[data-testid=audit-row][data-action='review.undo']")).ToHaveCountAsync(2);
        await Expect(page.Locator("[data-testid=audit-row][data-action='review.skip']")).ToHaveCountAsync(1);
        await Expect(page.Locator("[data-testid=audit-row][data-action='review.reveal']")).ToHaveCountAsync(1);
        var decided = page.Locator("[data-testid=audit-row][data-action='review.decide']");
        await Expect(decided).ToHaveCountAsync(2);
        await Expect(decided.Last.Locator("[data-testid=audit-comment]")).ToHaveTextAsync("looks fine, a test card");
        await Expect(decided.Last.Locator("[data-testid=audit-time]")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"^\d+ s$"));
        await Expect(rows.First).ToContainTextAsync(DashboardStack.ReviewerName);
        await Browser.ScreenshotAsync(page, "audit");

        // Per reviewer, and as CSV.
        await page.GotoAsync($"/Audit?reviewer={DashboardStack.ReviewerName}&action=review.skip");
        await Expect(page.Locator("[data-testid=audit-row]")).Not.ToHaveCountAsync(0);
        await Expect(page.Locator("[data-testid=audit-row]:not([data-action='review.skip'])")).ToHaveCountAsync(0);
        var csv = await page.Context.APIRequest.GetAsync($"/Audit?handler=Csv&mediaId={first.MediaId}");
        Assert.Equal(200, csv.Status);
        Assert.StartsWith("text/csv", csv.Headers["content-type"], StringComparison.Ordinal);
        var text = await csv.TextAsync();
        Assert.StartsWith("id,at,client_id,key_id,action,media_id,decision,reason_code,blind,time_spent_seconds,comment,details", text, StringComparison.Ordinal);
        Assert.Contains("looks fine, a test card", text, StringComparison.Ordinal);
        Assert.Contains(",review.skip,", text, StringComparison.Ordinal);
        Assert.Equal(6, text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length - 1);

        // The media page carries the same trail.
        await page.GotoAsync($"/Media/{first.MediaId}");
        await Expect(page.Locator("[data-testid=audit-row][data-action='review.undo']")).ToHaveCountAsync(2);
        await page.Context.CloseAsync();
    }

    private static async Task ContinueAfterBreakAsync(IPage page)
    {
        if (await page.Locator("[data-testid=break]").IsVisibleAsync())
        {
            await page.ClickAsync("[data-testid=break] button.primary");
        }
    }
}
