using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using Xunit;
using static Microsoft.Playwright.Assertions;

namespace Moderation.Dashboard.Tests;

[Collection(DashboardCollection.Name)]
public sealed class EvaluationTests(DashboardFixture fixture)
{
    private const string DrawingAtFullRecall = "/Evaluation?class=Drawing&targetRecall=1&policy=default&level=Review";

    [Fact]
    public async Task Admin_sees_the_ROC_curve_with_both_thresholds_and_applies_the_recommendation_as_a_new_policy_version()
    {
        var page = await fixture.SignInAsync(fixture.Stack.AdminKey);
        await page.GotoAsync(DrawingAtFullRecall);

        // One ROC point per distinct reviewed score plus the two corners; the threshold in force (0.3) and the recommended
        // one (the highest that still catches every drawing: 0.45) are marked.
        var curve = await page.Locator("svg.roc polyline.roc-curve").GetAttributeAsync("points");
        Assert.Equal(DashboardFixture.Reviewed.Length + 2, curve!.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length);
        await Expect(page.Locator("svg.roc circle.roc-current")).ToHaveAttributeAsync("data-threshold", "0.3");
        await Expect(page.Locator("svg.roc circle.roc-recommended")).ToHaveAttributeAsync("data-threshold", "0.45");
        await Expect(page.Locator("[data-testid=recommended-threshold]")).ToHaveTextAsync("0.45");
        await Expect(page.Locator("tr[data-class=Drawing]")).ToBeVisibleAsync();
        await Browser.ScreenshotAsync(page, "evaluation");

        page.Dialog += (_, dialog) => dialog.AcceptAsync();
        await page.ClickAsync("[data-testid=apply]");
        await Expect(page.Locator("[data-testid=notice]")).ToContainTextAsync("is now version 3: review Drawing at 0.45");
        var policy = await DefaultPolicyAsync();
        Assert.Equal(3, policy.GetProperty("version").GetInt32());
        Assert.Equal(0.45f, policy.GetProperty("review").GetProperty("Drawing").GetSingle());
        Assert.Equal(DashboardStack.AdminName, policy.GetProperty("createdBy").GetString());
        await Expect(page.Locator("svg.roc circle.roc-current")).ToHaveAttributeAsync("data-threshold", "0.45");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Reviewer_is_not_offered_the_apply_button_and_is_refused_when_posting_it_anyway()
    {
        var page = await fixture.SignInAsync(fixture.Stack.ReviewerKey);
        await page.GotoAsync(DrawingAtFullRecall);
        await Expect(page.Locator("svg.roc")).ToBeVisibleAsync();
        await Expect(page.Locator("[data-testid=apply]")).ToHaveCountAsync(0);
        await Expect(page.Locator("[data-testid=apply-admin-only]")).ToBeVisibleAsync();
        var before = (await DefaultPolicyAsync()).GetProperty("version").GetInt32();

        // The same form an admin posts, with a valid antiforgery token of this session: refused, and nothing changes.
        var token = await page.Locator("input[name=__RequestVerificationToken]").First.InputValueAsync();
        var response = await page.Context.APIRequest.PostAsync("/ApplyRecommendation", new APIRequestContextOptions
        {
            Form = page.Context.APIRequest.CreateFormData()
                .Append("__RequestVerificationToken", token).Append("class", "Drawing").Append("policy", "default")
                .Append("level", "Review").Append("targetRecall", "1"),
        });
        Assert.Equal(403, response.Status);
        Assert.EndsWith("/Denied?ReturnUrl=%2FApplyRecommendation", response.Url, StringComparison.Ordinal);
        Assert.Equal(before, (await DefaultPolicyAsync()).GetProperty("version").GetInt32());
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Status_shows_queue_depths_throughput_and_the_verdict_mix_over_time()
    {
        var page = await fixture.SignInAsync(fixture.Stack.ReviewerKey);
        await page.GotoAsync("/Status?window=1h");
        await Expect(page.Locator("[data-testid=queue-review-open]")).ToHaveTextAsync("0");
        var reviewSegments = await page.Locator("svg.mix rect.mix-review").EvaluateAllAsync<int[]>("rs => rs.map(r => Number(r.dataset.count))");
        Assert.Equal(await fixture.Stack.CountAsync("SELECT count(*) FROM verdicts WHERE decision = 'Review'"), reviewSegments.Sum());
        Assert.True(reviewSegments.Sum() >= DashboardFixture.Reviewed.Length);
        await Expect(page.Locator("svg.mix polyline.reviewed-line")).ToHaveCountAsync(1);
        await Browser.ScreenshotAsync(page, "status");

        await page.GotoAsync("/");
        await Expect(page.Locator("[data-testid=tile-review] strong")).ToHaveTextAsync("0");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Search_finds_media_by_external_id_content_hash_and_media_id()
    {
        var still = fixture.Stills[0];
        var page = await fixture.SignInAsync(fixture.Stack.ReviewerKey);

        await page.GotoAsync("/Search?q=" + Uri.EscapeDataString(still.ExternalId));
        await Expect(page.Locator("[data-testid=search-results] tbody tr")).ToHaveCountAsync(1);
        await Browser.ScreenshotAsync(page, "search");

        await page.GotoAsync("/Search?q=" + still.Sha256.ToUpperInvariant());
        await Expect(page.Locator("[data-testid=search-results] tbody tr")).ToHaveCountAsync(1);
        await page.ClickAsync("[data-testid=search-results] tbody tr a >> nth=0");
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex($"/Media/{still.MediaId}$"));

        await page.FillAsync(".quick-search input", still.MediaId.ToString());
        await page.PressAsync(".quick-search input", "Enter");
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex($"/Media/{still.MediaId}$"));
        await Expect(page.Locator("[data-testid=media-decision]")).ToContainTextAsync("block by a reviewer");
        await Expect(page.Locator("[data-testid=reviews] tbody tr")).ToHaveCountAsync(1);
        await Expect(page.Locator(".thumb.focus")).ToHaveClassAsync(new System.Text.RegularExpressions.Regex("blurred"));
        await page.WaitForFunctionAsync("() => document.querySelector('.thumb.focus img').naturalWidth === 224");
        await Browser.ScreenshotAsync(page, "media");

        await page.GotoAsync("/Search?q=File:No such file.png");
        await Expect(page.Locator("[data-testid=search-results]")).ToHaveCountAsync(0);
        await Expect(page.Locator("main")).ToContainTextAsync("0 result(s)");
        await page.Context.CloseAsync();
    }

    private async Task<JsonElement> DefaultPolicyAsync()
    {
        using var http = fixture.Stack.ResultsClient(fixture.Stack.AdminKey);
        var policies = await http.GetFromJsonAsync<JsonElement>("policies");
        return policies.EnumerateArray().Single(p => p.GetProperty("name").GetString() == "default");
    }
}
