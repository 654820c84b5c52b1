using System.Net.Http.Json;
using System.Text.Json;
using Moderation.Contracts.V1;
using Xunit;
using static Microsoft.Playwright.Assertions;

namespace Moderation.Dashboard.Tests;

/// <summary>The break results enforces: the desk cannot be talked out of it, and opens again when the break has lasted.</summary>
[Collection(DashboardCollection.Name)]
public sealed class EnforcedBreakTests(DashboardFixture fixture)
{
    [Fact]
    public async Task After_the_exposure_limit_the_desk_serves_the_break_page_until_the_break_has_lasted()
    {
        // A stack of its own: results enforces a break of 10 s after 2 s of work.
        await using var stack = await DashboardStack.StartAsync(
            new Dictionary<string, string> { ["Dashboard__SignInAttemptsPerMinute"] = "1000" },
            new Dictionary<string, string> { ["Review__BreakAfterExposure"] = "00:00:02", ["Review__BreakLength"] = "00:00:10" });
        await stack.SetDefaultPolicyAsync(review: new() { ["Drawing"] = 0.3f }, block: new() { ["Porn"] = 0.9f });
        await using var seeder = new MediaSeeder(stack);
        var still = new SeededMedium(Guid.NewGuid(), "File:Paused.png",
            Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(BitConverter.GetBytes(9000))), MediaKind.Still, [SeededMedium.Scores(0.66f)], 0);
        await seeder.PublishAsync(still);
        await seeder.WaitConcludedAsync(still.MediaId);

        var page = await fixture.Browser.NewPageAsync(stack.Dashboard);
        await page.GotoAsync("/SignIn");
        await page.FillAsync("#apiKey", stack.ReviewerKey);
        await page.ClickAsync("button[type=submit].primary");
        await page.GotoAsync("/Review");
        var desk = page.Locator("[data-testid=desk]");
        await Expect(desk).ToHaveAttributeAsync("data-media", still.MediaId.ToString());
        await page.Keyboard.PressAsync("r");

        using var reviewer = stack.ResultsClient(stack.ReviewerKey);
        await WaitForBreakAsync(reviewer, due: true, TimeSpan.FromSeconds(20));

        // A pressed during the break is refused by results; the desk then serves the break page, with no way to dismiss it.
        await page.Keyboard.PressAsync("a");
        var pause = page.Locator("[data-testid=enforced-break]");
        await Expect(pause).ToBeVisibleAsync();
        await Expect(pause.Locator("[data-testid=resume-at]")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"^\d\d:\d\d:\d\d UTC$"));
        await Expect(pause.Locator("button.primary")).ToHaveCountAsync(0);
        Assert.Equal(0, await stack.CountAsync($"SELECT count(*) FROM review_feedback WHERE media_id = '{still.MediaId}'"));
        await page.GotoAsync("/Grid");
        await Expect(pause).ToBeVisibleAsync();

        // When the break has lasted, the desk opens again on the same task.
        await WaitForBreakAsync(reviewer, due: false, TimeSpan.FromSeconds(30));
        await page.GotoAsync("/Review");
        await Expect(desk).ToHaveAttributeAsync("data-media", still.MediaId.ToString());
        await page.Keyboard.PressAsync("a");
        await Expect(page.Locator("[data-testid=last-decision]")).ToHaveTextAsync("allow");
        Assert.Equal(1, await stack.CountAsync($"SELECT count(*) FROM review_feedback WHERE media_id = '{still.MediaId}' AND decision = 'Allow'"));
        await page.Context.CloseAsync();
    }

    /// <summary>Asks results until the reviewer's break is (or is no longer) due.</summary>
    private static async Task WaitForBreakAsync(HttpClient reviewer, bool due, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while ((await reviewer.GetFromJsonAsync<JsonElement>("reviews/break")).GetProperty("due").GetBoolean() != due)
        {
            Assert.True(DateTime.UtcNow < deadline, $"The break did not become {(due ? "due" : "over")} within {timeout}.");
            await Task.Delay(200);
        }
    }
}
