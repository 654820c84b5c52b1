using System.Net;
using System.Net.Http.Json;
using Moderation.Contracts.V1;
using Moderation.Results.Apis;
using Xunit;

namespace Moderation.Results.Tests.Infrastructure;

/// <summary>Works through the review queue over HTTP like a person at the dashboard would.</summary>
public static class Reviewer
{
    /// <summary>Claims and decides tasks until the queue is empty; returns how many were decided.</summary>
    public static async Task<int> ReviewAllAsync(ResultsApp app, Func<Guid, (Decision Decision, Dictionary<string, bool> Labels)> judge)
    {
        using var client = app.Client(ResultsApp.ReviewerKey);
        var decided = 0;
        while (true)
        {
            var response = await client.GetAsync("/reviews/next");
            if (response.StatusCode == HttpStatusCode.NoContent)
            {
                return decided;
            }

            var task = (await response.Content.ReadFromJsonAsync<ClaimedReview>(ResultsApp.Json))!;
            var (decision, labels) = judge(task.MediaId);
            var looked = await client.PostAsJsonAsync($"/reviews/{task.TaskId}/reveals", new RevealRequest("frame", 0), ResultsApp.Json);
            Assert.Equal(HttpStatusCode.OK, looked.StatusCode);
            var result = await client.PostAsJsonAsync($"/reviews/{task.TaskId}/decision", new ReviewDecisionRequest(decision, labels, null, 3), ResultsApp.Json);
            Assert.Equal(HttpStatusCode.OK, result.StatusCode);
            decided++;
        }
    }
}
