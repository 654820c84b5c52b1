using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using Moderation.Contracts.V1;
using Xunit;
using static Microsoft.Playwright.Assertions;

namespace Moderation.Dashboard.Tests;

[CollectionDefinition(Name)]
public sealed class DashboardCollection : ICollectionFixture<DashboardFixture>
{
    public const string Name = "dashboard";
}

/// <summary>
/// One stack and one browser for every test (starting them is most of the suite's time). The default policy sends
/// Drawing ≥ 0.3 to review; eight stills have been reviewed over the API, so the evaluation has labelled feedback.
/// A break is due after two items finished in the dashboard, so the desk test meets the reminder.
/// </summary>
public sealed class DashboardFixture : IAsyncLifetime
{
    /// <summary>Drawing score of each reviewed still and whether the reviewer said Drawing applies (not a clean cut, so the ROC curve has a shape).</summary>
    public static readonly (float Score, bool Drawing)[] Reviewed =
        [(0.95f, true), (0.90f, true), (0.85f, false), (0.70f, true), (0.60f, true), (0.50f, false), (0.45f, true), (0.35f, false)];

    public DashboardStack Stack { get; private set; } = null!;

    public Browser Browser { get; private set; } = null!;

    public MediaSeeder Seeder { get; private set; } = null!;

    public IReadOnlyList<SeededMedium> Stills { get; private set; } = [];

    public async Task InitializeAsync()
    {
        var start = DashboardStack.StartAsync(new Dictionary<string, string>
        {
            ["Dashboard__BreakReminder__Items"] = "2",
            ["Dashboard__SignInAttemptsPerMinute"] = "1000",
        });
        var launch = Browser.LaunchAsync();
        Stack = await start;
        Browser = await launch;
        Seeder = new MediaSeeder(Stack);
        await Stack.SetDefaultPolicyAsync(review: new() { ["Drawing"] = 0.3f }, block: new() { ["Porn"] = 0.9f });

        Stills = [.. Reviewed.Select((r, i) => new SeededMedium(Guid.NewGuid(), $"File:Clip art {i + 1}.png",
            Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(BitConverter.GetBytes(i))), MediaKind.Still, [SeededMedium.Scores(r.Score)], 0))];
        foreach (var still in Stills)
        {
            await Seeder.PublishAsync(still);
        }

        await Seeder.WaitConcludedAsync([.. Stills.Select(s => s.MediaId)]);

        // The reviewer works through the queue over the API (the browser path is the desk test's).
        var labels = Reviewed.ToDictionary(r => r.Score, r => r.Drawing);
        using var reviewer = Stack.ResultsClient(Stack.ReviewerKey);
        for (var i = 0; i < Stills.Count; i++)
        {
            using var next = await reviewer.GetAsync("reviews/next");
            Assert.Equal(HttpStatusCode.OK, next.StatusCode);
            var task = await next.Content.ReadFromJsonAsync<JsonElement>();
            var score = task.GetProperty("media").GetProperty("verdict").GetProperty("maxima").EnumerateArray()
                .First(m => m.GetProperty("class").GetString() == "Drawing").GetProperty("score").GetSingle();
            var drawing = labels[score];
            var taskId = task.GetProperty("taskId").GetGuid();
            using var looked = await reviewer.PostAsJsonAsync($"reviews/{taskId}/reveals", new { kind = "frame", frameIndex = 0 });
            looked.EnsureSuccessStatusCode();
            using var decided = await reviewer.PostAsJsonAsync($"reviews/{taskId}/decision",
                new { decision = drawing ? "block" : "allow", labels = new Dictionary<string, bool> { ["Drawing"] = drawing }, timeSpentSeconds = 3.5 });
            decided.EnsureSuccessStatusCode();
        }
    }

    /// <summary>A fresh browser context signed in with <paramref name="key"/>.</summary>
    public async Task<IPage> SignInAsync(string key)
    {
        var page = await Browser.NewPageAsync(Stack.Dashboard);
        await page.GotoAsync("/SignIn");
        await page.FillAsync("#apiKey", key);
        await page.ClickAsync("button[type=submit].primary");
        await Expect(page.Locator("[data-testid=user]")).ToBeVisibleAsync();
        return page;
    }

    public async Task DisposeAsync()
    {
        await Seeder.DisposeAsync();
        await Browser.DisposeAsync();
        await Stack.DisposeAsync();
    }
}
