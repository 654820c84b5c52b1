using System.Net.Http.Json;
using Moderation.Contracts.V1;
using Xunit;
using static Microsoft.Playwright.Assertions;

namespace Moderation.Dashboard.Tests;

/// <summary>Queues by urgency (priority, then age against the priority's target, then score), per policy, and the grid of stills decided in batches.</summary>
[Collection(DashboardCollection.Name)]
public sealed class QueueTests(DashboardFixture fixture)
{
    [Fact]
    public async Task Urgent_is_served_before_bulk_an_overdue_task_before_a_higher_score_and_each_policy_has_its_own_queue()
    {
        var stack = fixture.Stack;
        var bulk = Still("File:Bulk.png", 0.99f, SubmissionPriority.Bulk);
        var urgent = Still("File:Urgent.png", 0.31f, SubmissionPriority.Urgent);
        var normal = Still("File:Normal high score.png", 0.97f, SubmissionPriority.Normal);
        var overdue = Still("File:Normal overdue.png", 0.4f, SubmissionPriority.Normal);
        var elsewhere = Still("File:Other policy.png", 0.995f, SubmissionPriority.Urgent) with { Policy = "queue-b" };
        await CreatePolicyAsync("queue-b");
        foreach (var medium in new[] { bulk, urgent, normal, overdue, elsewhere })
        {
            await fixture.Seeder.PublishAsync(medium);
        }

        await fixture.Seeder.WaitConcludedAsync(bulk.MediaId, urgent.MediaId, normal.MediaId, overdue.MediaId, elsewhere.MediaId);
        // Waiting longer than the normal priority's target (4 h) makes the task overdue.
        Assert.Equal(1, await stack.CountAsync($"WITH u AS (UPDATE review_tasks SET created_at = now() - interval '5 hours' WHERE media_id = '{overdue.MediaId}' RETURNING 1) SELECT count(*) FROM u"));

        // The browser shows the queues and their sizes; choosing "queue-b" serves only that policy's task.
        var page = await fixture.SignInAsync(stack.AdminKey);
        await page.GotoAsync("/Review?policy=queue-b");
        await Expect(page.Locator("[data-testid=queue-policy] option[value=queue-b]")).ToHaveCountAsync(1);
        await Expect(page.Locator("[data-testid=external-id]")).ToHaveTextAsync(elsewhere.ExternalId);
        await DecideBlindAsync(page, "b");
        await Expect(page.Locator("[data-testid=queue-empty]")).ToBeVisibleAsync();

        // All queues: urgent first (despite its low score), then the overdue normal one, then by score, bulk last.
        foreach (var expected in new[] { urgent, overdue, normal, bulk })
        {
            await page.GotoAsync("/Review");
            if (await page.Locator("[data-testid=break]").IsVisibleAsync())
            {
                await page.ClickAsync("[data-testid=break] button.primary");
            }

            await Expect(page.Locator("[data-testid=external-id]")).ToHaveTextAsync(expected.ExternalId);
            await DecideBlindAsync(page, "b");
        }

        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task The_grid_decides_selected_stills_with_one_key_and_refuses_unseen_ones()
    {
        var stack = fixture.Stack;
        await CreatePolicyAsync("grid");
        var stills = Enumerable.Range(1, 3).Select(i => Still($"File:Grid {i}.png", 0.5f + (i / 100f), SubmissionPriority.Normal) with { Policy = "grid" }).ToList();
        foreach (var still in stills)
        {
            await fixture.Seeder.PublishAsync(still);
        }

        await fixture.Seeder.WaitConcludedAsync([.. stills.Select(s => s.MediaId)]);
        var page = await fixture.SignInAsync(stack.ReviewerKey);
        await page.GotoAsync("/Grid?policy=grid");
        var tiles = page.Locator("[data-testid=tile]");
        await Expect(tiles).ToHaveCountAsync(3);
        await Browser.ScreenshotAsync(page, "grid");

        // Reveal two tiles, select them, one key blocks both.
        var first = tiles.Nth(0);
        var second = tiles.Nth(1);
        await first.Locator(".thumb").ClickAsync();
        await Expect(first).ToHaveClassAsync(new System.Text.RegularExpressions.Regex("looked"));
        await second.Locator(".thumb").ClickAsync();
        await Expect(second).ToHaveClassAsync(new System.Text.RegularExpressions.Regex("looked"));
        var firstMedia = await first.GetAttributeAsync("data-media");
        var secondMedia = await second.GetAttributeAsync("data-media");
        await first.Locator("[data-testid=pick]").CheckAsync();
        await second.Locator("[data-testid=pick]").CheckAsync();
        await page.Keyboard.PressAsync("b");
        await Expect(page.Locator("[data-testid=notice]")).ToContainTextAsync("Block: 2 recorded");
        Assert.Equal(2, await stack.CountAsync(
            $"SELECT count(*) FROM review_feedback WHERE media_id IN ('{firstMedia}', '{secondMedia}') AND decision = 'Block' AND NOT blind"));

        // The third, unseen: A is refused in the page; revealed, it is allowed.
        await Expect(tiles).ToHaveCountAsync(1);
        var third = tiles.Nth(0);
        await third.Locator("[data-testid=pick]").CheckAsync();
        await page.Keyboard.PressAsync("a");
        await Expect(page.Locator("[data-testid=refusal]")).ToContainTextAsync("not looked at");
        await third.Locator(".thumb").ClickAsync();
        await Expect(third).ToHaveClassAsync(new System.Text.RegularExpressions.Regex("looked"));
        await page.Keyboard.PressAsync("a");
        await Expect(page.Locator("[data-testid=notice]")).ToContainTextAsync("Allow: 1 recorded");
        Assert.Equal(3, await stack.CountAsync(
            $"SELECT count(*) FROM review_feedback WHERE media_id IN ({string.Join(", ", stills.Select(s => $"'{s.MediaId}'"))})"));
        await page.Context.CloseAsync();
    }

    private static async Task DecideBlindAsync(Microsoft.Playwright.IPage page, string key)
    {
        await page.CheckAsync("[data-testid=blind]");
        await page.Keyboard.PressAsync("Escape");
        await page.Keyboard.PressAsync(key);
        await Expect(page.Locator("[data-testid=last-decision]")).ToHaveTextAsync(key == "b" ? "block" : "allow");
    }

    private async Task CreatePolicyAsync(string name)
    {
        using var admin = fixture.Stack.ResultsClient(fixture.Stack.AdminKey);
        using var response = await admin.PostAsJsonAsync("policies", new
        {
            name,
            review = new Dictionary<string, float> { ["Drawing"] = 0.3f },
            block = new Dictionary<string, float> { ["Porn"] = 0.9f },
            earlyExit = false,
        });
        response.EnsureSuccessStatusCode();
    }

    private static SeededMedium Still(string externalId, float drawing, SubmissionPriority priority) =>
        new(Guid.NewGuid(), externalId, Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(externalId))),
            MediaKind.Still, [SeededMedium.Scores(drawing)], 0)
        { Priority = priority };
}
