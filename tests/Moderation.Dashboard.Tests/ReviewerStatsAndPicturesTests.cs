using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Moderation.Contracts.V1;
using Xunit;
using static Microsoft.Playwright.Assertions;

namespace Moderation.Dashboard.Tests;

/// <summary>The reviewer's stats page, and blur and greyscale chosen per reviewer, kept by results across sign-ins.</summary>
[Collection(DashboardCollection.Name)]
public sealed class ReviewerStatsAndPicturesTests(DashboardFixture fixture)
{
    private const string Policy = "stats-desk";

    [Fact]
    public async Task A_reviewer_sets_blur_and_greyscale_that_follow_them_decides_and_reads_their_stats_which_an_admin_reads_too()
    {
        var stack = fixture.Stack;
        using (var admin = stack.ResultsClient(stack.AdminKey))
        {
            using var created = await admin.PostAsJsonAsync("policies", new
            {
                name = Policy,
                review = new Dictionary<string, float> { ["Drawing"] = 0.3f },
                block = new Dictionary<string, float> { ["Porn"] = 0.9f },
                earlyExit = false,
            });
            created.EnsureSuccessStatusCode();
        }

        var still = new SeededMedium(Guid.NewGuid(), "File:Counted.png",
            Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(BitConverter.GetBytes(8000))), MediaKind.Still, [SeededMedium.Scores(0.61f)], 0)
        { Policy = Policy };
        await fixture.Seeder.PublishAsync(still);
        await fixture.Seeder.WaitConcludedAsync(still.MediaId);

        var page = await fixture.SignInAsync(stack.ReviewerKey);
        await page.GotoAsync($"/Review?policy={Policy}");
        if (await page.Locator("[data-testid=break]").IsVisibleAsync())
        {
            await page.ClickAsync("[data-testid=break] button.primary");
        }

        var desk = page.Locator("[data-testid=desk]");
        await Expect(desk).ToHaveAttributeAsync("data-media", still.MediaId.ToString());

        // Stronger blur, in colour: saved in results, applied to the blurred pictures.
        await page.ClickAsync("[data-testid=picture-settings] summary");
        await page.Locator("[data-testid=blur-strength]").FillAsync("40");
        await page.UncheckAsync("[data-testid=greyscale]");
        await page.ClickAsync("[data-testid=save-picture-settings]");
        await Expect(page.Locator("[data-testid=notice]")).ToContainTextAsync("Picture settings saved");
        Assert.Equal(1, await stack.CountAsync(
            $"SELECT count(*) FROM reviewer_settings WHERE reviewer = '{DashboardStack.ReviewerName}' AND blur_pixels = 40 AND NOT greyscale"));
        await Expect(desk).ToHaveAttributeAsync("data-media", still.MediaId.ToString());
        var filter = await page.Locator(".thumb.focus.blurred img.frame").EvaluateAsync<string>("img => getComputedStyle(img).filter");
        Assert.Contains("blur(40px)", filter, StringComparison.Ordinal);
        Assert.Contains("grayscale(0)", filter, StringComparison.Ordinal);

        await page.Keyboard.PressAsync("r");
        await page.Keyboard.PressAsync("a");
        await Expect(page.Locator("[data-testid=last-decision]")).ToHaveTextAsync("allow");

        // Kept by results, not the browser: a new session (another browser, another sign-in) gets them from there.
        await page.Context.CloseAsync();
        using (var reviewer = stack.ResultsClient(stack.ReviewerKey))
        {
            var settings = await reviewer.GetFromJsonAsync<System.Text.Json.JsonElement>("reviews/settings");
            Assert.Equal((40, false), (settings.GetProperty("blurPixels").GetInt32(), settings.GetProperty("greyscale").GetBoolean()));
            // The other tests of the collection share this reviewer and expect the default pictures.
            (await reviewer.PutAsJsonAsync("reviews/settings", new { blurPixels = 24, greyscale = true })).EnsureSuccessStatusCode();
        }

        page = await fixture.SignInAsync(stack.ReviewerKey);
        await page.GotoAsync("/Stats?reviewer=" + DashboardStack.AdminName);

        // A reviewer's own stats, whatever reviewer the address names.
        await Expect(page.Locator("h1")).ToHaveTextAsync("Reviewer stats");
        await Expect(page.Locator("[data-testid=stats-reviewer]")).ToHaveCountAsync(0);
        await Expect(page.Locator("main, body").First).ToContainTextAsync(DashboardStack.ReviewerName + ",");
        var decisions = int.Parse(await page.Locator("[data-testid=stats-decisions]").TextContentAsync() ?? "0", System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(await stack.CountAsync($"SELECT count(*) FROM review_feedback WHERE reviewer = '{DashboardStack.ReviewerName}'"), decisions);
        await Expect(page.Locator("[data-testid=stats-median]")).ToHaveTextAsync(new Regex(@"^\d+ (s|min)"));
        var today = page.Locator($"[data-testid=stats-day][data-day='{DateTime.UtcNow:yyyy-MM-dd}']");
        await Expect(today).ToHaveCountAsync(1);
        Assert.True(int.Parse(await today.Locator("[data-testid=stats-day-reveals]").TextContentAsync() ?? "0", System.Globalization.CultureInfo.InvariantCulture) >= 1);
        await Browser.ScreenshotAsync(page, "stats");
        await page.Context.CloseAsync();

        // An administrator picks the reviewer and sees the same figures.
        var adminPage = await fixture.SignInAsync(stack.AdminKey);
        await adminPage.GotoAsync($"/Stats?reviewer={DashboardStack.ReviewerName}&days=7");
        await Expect(adminPage.Locator($"[data-testid=stats-reviewer] option[value='{DashboardStack.ReviewerName}']")).ToHaveCountAsync(1);
        await Expect(adminPage.Locator("[data-testid=stats-decisions]")).ToHaveTextAsync(decisions.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await adminPage.Context.CloseAsync();
    }
}
