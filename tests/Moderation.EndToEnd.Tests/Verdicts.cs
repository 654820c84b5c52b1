using System.Net;
using System.Text.Json.Nodes;
using Moderation.Contracts.V1;

namespace Moderation.EndToEnd.Tests;

/// <summary>Waits on results' own view of a medium, for media that reach results without ingest's API (direct publishes, replayed messages).</summary>
internal static class Verdicts
{
    /// <summary>Polls results' <c>GET /media/{id}</c> until the medium is completed; fails as soon as it fails.</summary>
    public static async Task<JsonNode> WaitForVerdictAsync(HttpClient results, Guid id, TimeSpan timeout)
    {
        JsonNode? details = null;
        return await WaitForAsync(async () =>
        {
            using var response = await results.GetAsync($"/media/{id}");
            if (response.StatusCode == HttpStatusCode.NotFound)
            {
                return null;
            }

            details = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
            Assert.NotEqual(MediaStates.Failed, details["state"]!.GetValue<string>());
            return details["state"]!.GetValue<string>() == MediaStates.Completed ? details : null;
        }, () => $"a verdict for {id} (last seen: {details?.ToJsonString()})", timeout);
    }

    public static Task<T> WaitForAsync<T>(Func<Task<T?>> probe, string what, TimeSpan timeout)
        where T : class => WaitForAsync(probe, () => what, timeout);

    private static async Task<T> WaitForAsync<T>(Func<Task<T?>> probe, Func<string> what, TimeSpan timeout)
        where T : class
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (await probe() is { } found)
            {
                return found;
            }

            Assert.True(DateTime.UtcNow < deadline, $"Timed out waiting for {what()}.");
            await Task.Delay(200);
        }
    }
}
