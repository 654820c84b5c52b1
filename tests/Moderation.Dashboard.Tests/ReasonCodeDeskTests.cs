using System.Net.Http.Json;
using Moderation.Contracts.V1;
using Xunit;
using static Microsoft.Playwright.Assertions;

namespace Moderation.Dashboard.Tests;

/// <summary>The desk shows the policy's description and offers its reason codes from the keyboard; a block needs one where the policy says so.</summary>
[Collection(DashboardCollection.Name)]
public sealed class ReasonCodeDeskTests(DashboardFixture fixture)
{
    private const string Policy = "reasons-desk";

    [Fact]
    public async Task The_desk_shows_the_policy_refuses_a_block_without_a_reason_code_and_records_the_code_chosen_with_the_keyboard()
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
                description = "Drawings on the front page: block sexual drawings, allow diagrams and art.",
                reasonCodes = new[]
                {
                    new { code = "sexual-drawing", label = "Sexual drawing", description = "Drawn nudity or sexual acts." },
                    new { code = "gore-drawing", label = "Gory drawing", description = "Drawn violence or injuries." },
                },
                requireBlockReason = true,
            });
            created.EnsureSuccessStatusCode();
        }

        var still = new SeededMedium(Guid.NewGuid(), "File:Reasoned drawing.png",
            Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(BitConverter.GetBytes(7000))), MediaKind.Still, [SeededMedium.Scores(0.64f)], 0)
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
        await Expect(page.Locator("[data-testid=policy-description]")).ToHaveTextAsync("Drawings on the front page: block sexual drawings, allow diagrams and art.");
        await Expect(page.Locator("[data-testid=reason-codes] legend")).ToContainTextAsync("required to block");

        // B after a look but without a code is refused, and the focus moves to the codes.
        await page.Keyboard.PressAsync("r");
        await page.Keyboard.PressAsync("b");
        await Expect(page.Locator("[data-testid=refusal]")).ToContainTextAsync("reason code");
        await Expect(page.Locator("[data-testid=reason-codes] input[value='']")).ToBeFocusedAsync();
        Assert.Equal(0, await stack.CountAsync($"SELECT count(*) FROM review_feedback WHERE media_id = '{still.MediaId}'"));

        // The keyboard alone: C into the codes, the arrows to the second one, B blocks with it.
        await page.Locator("#comment").FocusAsync();
        await page.Keyboard.PressAsync("Escape");
        await page.Keyboard.PressAsync("c");
        await page.Keyboard.PressAsync("ArrowDown");
        await page.Keyboard.PressAsync("ArrowDown");
        await Expect(page.Locator("[data-testid=reason-gore-drawing]")).ToBeCheckedAsync();
        await Browser.ScreenshotAsync(page, "reason-codes");
        await page.Keyboard.PressAsync("b");
        await Expect(page.Locator("[data-testid=last-decision]")).ToHaveTextAsync("block");
        Assert.Equal(1, await stack.CountAsync(
            $"SELECT count(*) FROM review_feedback WHERE media_id = '{still.MediaId}' AND decision = 'Block' AND reason_code = 'gore-drawing'"));

        // The medium's trail and the audit log carry the code.
        await page.GotoAsync($"/Media/{still.MediaId}");
        await Expect(page.Locator("[data-testid=review-reason]")).ToHaveTextAsync("gore-drawing");
        await Expect(page.Locator("[data-testid=audit-row][data-action='review.decide'] [data-testid=audit-reason]")).ToHaveTextAsync("gore-drawing");
        await page.GotoAsync($"/Audit?mediaId={still.MediaId}&action=review.decide");
        await Expect(page.Locator("[data-testid=audit-row] [data-testid=audit-reason]")).ToHaveTextAsync("gore-drawing");
        var csv = await (await page.Context.APIRequest.GetAsync($"/Audit?handler=Csv&mediaId={still.MediaId}&action=review.decide")).TextAsync();
        Assert.Contains(",block,gore-drawing,", csv, StringComparison.Ordinal);
        await page.Context.CloseAsync();
    }
}
