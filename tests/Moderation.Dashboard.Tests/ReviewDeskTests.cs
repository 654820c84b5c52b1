using System.Text.Json;
using Microsoft.Playwright;
using Moderation.Contracts.V1;
using Npgsql;
using Xunit;
using static Microsoft.Playwright.Assertions;

namespace Moderation.Dashboard.Tests;

[Collection(DashboardCollection.Name)]
public sealed class ReviewDeskTests(DashboardFixture fixture)
{
    private static readonly float[] DrawingOverTime = [0.10f, 0.20f, 0.35f, 0.60f, 0.92f, 0.70f, 0.30f, 0.20f, 0.55f, 0.81f, 0.40f, 0.15f];

    [Fact]
    public async Task Reviewer_reveals_a_frame_decides_with_the_keyboard_undoes_and_the_feedback_row_lands_in_Postgres()
    {
        var stack = fixture.Stack;
        var video = new SeededMedium(Guid.NewGuid(), "File:Test pattern clip.webm", new string('a', 64), MediaKind.Video,
            [.. DrawingOverTime.Select(SeededMedium.Scores)], 2.0);
        await fixture.Seeder.PublishAsync(video);
        await fixture.Seeder.WaitConcludedAsync(video.MediaId);

        var page = await fixture.Browser.NewPageAsync(stack.Dashboard);
        await page.GotoAsync("/Review");
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/SignIn"));
        await Browser.ScreenshotAsync(page, "signin");
        await page.FillAsync("#apiKey", stack.ReviewerKey);
        await page.ClickAsync("button[type=submit].primary");

        // The claimed task, with its SVG timeline: one line per class, one point per frame, the worst moments ringed.
        var desk = page.Locator("[data-testid=desk]");
        await Expect(desk).ToBeVisibleAsync();
        await Expect(desk).ToHaveAttributeAsync("data-media", video.MediaId.ToString());
        await Expect(page.Locator("[data-testid=external-id]")).ToHaveTextAsync(video.ExternalId);
        await Expect(page.Locator("#timeline polyline.series-line")).ToHaveCountAsync(SeededMedium.Classes.Length);
        var points = page.Locator("#timeline circle.frame-point");
        await Expect(points).ToHaveCountAsync(DrawingOverTime.Length);
        var frames = await points.EvaluateAllAsync<int[]>("ps => ps.map(p => Number(p.dataset.frame))");
        Assert.Equal(Enumerable.Range(0, DrawingOverTime.Length), frames);
        var heights = await points.EvaluateAllAsync<double[]>("ps => ps.map(p => Number(p.getAttribute('cy')))");
        Assert.Equal(Array.IndexOf(DrawingOverTime, DrawingOverTime.Max()), Array.IndexOf(heights, heights.Min()));
        var worst = await page.Locator("#timeline circle.worst-marker").EvaluateAllAsync<int[]>("ms => ms.map(m => Number(m.dataset.frame))");
        Assert.Contains(4, worst);
        Assert.Contains(9, worst);
        await Expect(page.Locator("#timeline line.threshold[data-class=Drawing][data-level=review]")).ToHaveCountAsync(1);
        var drawingLine = await page.Locator("#timeline polyline.series-line[data-class=Drawing]").GetAttributeAsync("points");
        Assert.Equal(DrawingOverTime.Length, drawingLine!.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length);

        // Thumbnails arrive blurred and grey; the frame really is served (a 224×224 JPEG from the blob store).
        var focus = page.Locator(".thumb.focus");
        await Expect(focus).ToHaveClassAsync(new System.Text.RegularExpressions.Regex("blurred"));
        await page.WaitForFunctionAsync("() => document.querySelector('.thumb.focus img').naturalWidth === 224");
        var filter = await page.EvalOnSelectorAsync<string>(".thumb.focus img", "e => getComputedStyle(e).filter");
        Assert.Contains("blur(", filter);
        Assert.Contains("grayscale(1)", filter);

        // Clicking a point of the plot brings that frame into focus, still blurred; R reveals it and the exposure counter counts it.
        await page.Locator("#timeline circle.frame-point[data-frame='9']").ClickAsync();
        await Expect(focus).ToHaveAttributeAsync("data-frame", "9");
        await Expect(focus).ToHaveClassAsync(new System.Text.RegularExpressions.Regex("blurred"));
        await page.Keyboard.PressAsync("r");
        await Expect(focus).Not.ToHaveClassAsync(new System.Text.RegularExpressions.Regex("blurred"));
        await Expect(page.Locator(".thumb.focus img")).ToHaveCSSAsync("filter", "none");
        await Expect(page.Locator("[data-testid=exposure-reveals]").First).ToHaveTextAsync("1");
        await page.Keyboard.PressAsync("Escape");
        await Expect(focus).ToHaveClassAsync(new System.Text.RegularExpressions.Regex("blurred"));

        // Number keys cycle labels (classes in alphabetical order): 1 = Drawing applies; 4 twice = Porn does not apply.
        await page.Keyboard.PressAsync("1");
        await page.Keyboard.PressAsync("4");
        await page.Keyboard.PressAsync("4");
        await Expect(page.Locator("[data-testid=label-Drawing]")).ToHaveAttributeAsync("data-state", "true");
        await Expect(page.Locator("[data-testid=label-Porn]")).ToHaveAttributeAsync("data-state", "false");
        await Browser.ScreenshotAsync(page, "review");

        // B blocks; the feedback row is in the results database with the labels.
        await page.Keyboard.PressAsync("b");
        await Expect(page.Locator("[data-testid=last-decision]")).ToHaveTextAsync("block");
        var feedback = await FeedbackAsync(video.MediaId);
        var row = Assert.Single(feedback);
        Assert.Equal(("Block", DashboardStack.ReviewerName), (row.Decision, row.Reviewer));
        Assert.True(row.Labels["Drawing"]);
        Assert.False(row.Labels["Porn"]);
        Assert.Equal(2, row.Labels.Count);
        Assert.True(row.TimeSpentSeconds > 0);

        // U within the window takes it back: the row is gone and the same task is on the desk again.
        await page.Keyboard.PressAsync("u");
        await Expect(page.Locator("[data-testid=notice]")).ToContainTextAsync("undone");
        await Expect(desk).ToHaveAttributeAsync("data-media", video.MediaId.ToString());
        Assert.Empty(await FeedbackAsync(video.MediaId));
        Assert.Equal(("open", DashboardStack.ReviewerName), await TaskStateAsync(video.MediaId));

        // A allows; that is the second finished item, and the configured reminder offers a break before the next task.
        await page.Keyboard.PressAsync("a");
        await Expect(page.Locator("[data-testid=break]")).ToBeVisibleAsync();
        row = Assert.Single(await FeedbackAsync(video.MediaId));
        Assert.Equal("Allow", row.Decision);
        Assert.Empty(row.Labels);
        await Expect(page.Locator("[data-testid=exposure-items]").First).ToHaveTextAsync("2");
        await Browser.ScreenshotAsync(page, "break");

        await page.ClickAsync("[data-testid=break] button.primary");
        await Expect(page.Locator("[data-testid=queue-empty]")).ToBeVisibleAsync();
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Pages_need_a_valid_key_and_carry_strict_security_headers()
    {
        var stack = fixture.Stack;
        var page = await fixture.Browser.NewPageAsync(stack.Dashboard);
        var response = await page.GotoAsync("/Status");
        Assert.Contains("/SignIn", page.Url, StringComparison.Ordinal);
        var csp = await response!.HeaderValueAsync("content-security-policy");
        Assert.Contains("script-src 'self'", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-inline", csp, StringComparison.Ordinal);
        Assert.Equal("nosniff", await response.HeaderValueAsync("x-content-type-options"));

        await page.FillAsync("#apiKey", "mk_not-a-key-anyone-holds");
        await page.ClickAsync("button[type=submit].primary");
        await Expect(page.Locator("[data-testid=signin-error]")).ToContainTextAsync("not valid");

        await page.FillAsync("#apiKey", stack.ReviewerKey);
        await page.ClickAsync("button[type=submit].primary");
        await Expect(page.Locator("[data-testid=user]")).ToHaveTextAsync(DashboardStack.ReviewerName);
        var cookies = await page.Context.CookiesAsync();
        var session = Assert.Single(cookies, c => c.Name == ".moderation.session");
        Assert.True(session.HttpOnly);
        Assert.Equal(SameSiteAttribute.Strict, session.SameSite);
        Assert.DoesNotContain(stack.ReviewerKey, session.Value, StringComparison.Ordinal);

        // A script call without the antiforgery token is refused even with a valid session.
        var forged = await page.Context.APIRequest.PostAsync("/exposure/reveal", new APIRequestContextOptions
        {
            DataObject = new { taskId = Guid.NewGuid(), frameIndex = 0 },
        });
        Assert.Equal(400, forged.Status);

        await page.ClickAsync("header button:has-text('Sign out')");
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/SignIn$"));
        await page.GotoAsync("/Status");
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/SignIn\\?ReturnUrl=%2FStatus$"));

        // Thumbnails need a session: a fresh context without one is sent to sign in.
        var anonymous = await fixture.Browser.NewPageAsync(stack.Dashboard);
        var thumbnail = await anonymous.Context.APIRequest.GetAsync($"/thumbnails/{Guid.NewGuid()}/0", new APIRequestContextOptions { MaxRedirects = 0 });
        Assert.Equal(302, thumbnail.Status);
        Assert.Contains("/SignIn", thumbnail.Headers["location"], StringComparison.Ordinal);
        await anonymous.Context.CloseAsync();
        await page.Context.CloseAsync();
    }

    private sealed record FeedbackRow(string Decision, string Reviewer, Dictionary<string, bool> Labels, double TimeSpentSeconds);

    private async Task<List<FeedbackRow>> FeedbackAsync(Guid mediaId)
    {
        await using var db = await fixture.Stack.OpenResultsDatabaseAsync();
        await using var command = new NpgsqlCommand(
            "SELECT decision, reviewer, labels::text, extract(epoch from time_spent)::float8 FROM review_feedback WHERE media_id = @id ORDER BY created_at", db);
        command.Parameters.AddWithValue("id", mediaId);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<FeedbackRow>();
        while (await reader.ReadAsync())
        {
            rows.Add(new FeedbackRow(reader.GetString(0), reader.GetString(1), JsonSerializer.Deserialize<Dictionary<string, bool>>(reader.GetString(2))!,
                reader.GetDouble(3)));
        }

        return rows;
    }

    private async Task<(string Status, string? ClaimedBy)> TaskStateAsync(Guid mediaId)
    {
        await using var db = await fixture.Stack.OpenResultsDatabaseAsync();
        await using var command = new NpgsqlCommand("SELECT status, claimed_by FROM review_tasks WHERE media_id = @id ORDER BY created_at DESC LIMIT 1", db);
        command.Parameters.AddWithValue("id", mediaId);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        return (reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1));
    }
}
