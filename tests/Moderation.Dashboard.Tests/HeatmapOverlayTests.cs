using System.Net.Http.Json;
using Moderation.Contracts.V1;
using Xunit;
using static Microsoft.Playwright.Assertions;

namespace Moderation.Dashboard.Tests;

/// <summary>
/// The media page of a video: the verdict's flagged segments shaded on the timeline, and the heatmap of the frame in
/// focus as a toggleable overlay, blurred like the frame.
/// </summary>
[Collection(DashboardCollection.Name)]
public sealed class HeatmapOverlayTests(DashboardFixture fixture)
{
    [Fact]
    public async Task The_timeline_shades_flagged_segments_and_the_heatmap_overlay_toggles_over_the_blurred_frame()
    {
        var policy = "heatmaps-" + Guid.NewGuid().ToString("N")[..8];
        using (var admin = fixture.Stack.ResultsClient(fixture.Stack.AdminKey))
        using (var created = await admin.PostAsJsonAsync("policies", new
        {
            name = policy,
            block = new Dictionary<string, float> { ["Drawing"] = 0.8f },
            review = new Dictionary<string, float> { ["Drawing"] = 0.5f },
            earlyExit = false,
        }))
        {
            Assert.True(created.IsSuccessStatusCode, await created.Content.ReadAsStringAsync());
        }

        float[] drawing = [0.1f, 0.2f, 0.9f, 0.95f, 0.92f, 0.6f, 0.1f];
        var video = new SeededMedium(Guid.NewGuid(), "File:Clip art interlude.webm", new string('c', 64), MediaKind.Video,
            [.. drawing.Select(SeededMedium.Scores)], 1.0)
        {
            Policy = policy,
            Heatmaps = new Dictionary<int, string> { [2] = "Drawing", [3] = "Drawing", [4] = "Drawing", [5] = "Drawing" },
        };
        await fixture.Seeder.PublishAsync(video);
        await fixture.Seeder.WaitConcludedAsync(video.MediaId);

        var page = await fixture.SignInAsync(fixture.Stack.ReviewerKey);
        await page.GotoAsync($"/Media/{video.MediaId}");
        await Expect(page.Locator("[data-testid=media-decision]")).ToContainTextAsync("block");
        var segments = page.Locator("[data-testid=segment]");
        await Expect(segments).ToHaveCountAsync(2);
        await Expect(page.Locator("[data-testid=segment][data-level=block]")).ToHaveCountAsync(1);
        await Expect(page.Locator("[data-testid=segment][data-level=block] title")).ToContainTextAsync("from 2 s to 5 s: 3 frame(s), max 0.95, corroborated");

        var overlay = page.Locator("[data-testid=heatmap]");
        await Expect(overlay).ToBeHiddenAsync();
        await page.ClickAsync("[data-testid=heatmap-toggle]");
        await Expect(overlay).ToBeVisibleAsync();
        await Expect(overlay).ToHaveAttributeAsync("src", $"/thumbnails/{video.MediaId}/3/heatmap/Drawing");
        await Expect(page.Locator("[data-testid=heatmap-class]")).ToHaveTextAsync("Drawing, frame 3");
        Assert.Contains("blur", await overlay.EvaluateAsync<string>("e => getComputedStyle(e).filter"), StringComparison.Ordinal);
        var served = await page.APIRequest.GetAsync($"/thumbnails/{video.MediaId}/3/heatmap/Drawing");
        Assert.Equal((200, "image/png", "private, no-store"), (served.Status, served.Headers["content-type"], served.Headers["cache-control"]));
        await Browser.ScreenshotAsync(page, "heatmap-overlay");

        // A frame without a heatmap shows none; the key toggles it off.
        await page.ClickAsync("#timeline .frame-point[data-frame='0']");
        await Expect(overlay).ToBeHiddenAsync();
        await Expect(page.Locator("[data-testid=heatmap-class]")).ToHaveTextAsync("no heatmap for this frame");
        await page.ClickAsync("#timeline .frame-point[data-frame='4']");
        await Expect(overlay).ToHaveAttributeAsync("src", $"/thumbnails/{video.MediaId}/4/heatmap/Drawing");
        await page.Keyboard.PressAsync("h");
        await Expect(overlay).ToBeHiddenAsync();
        await page.Context.CloseAsync();
    }
}
