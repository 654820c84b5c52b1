using System.Net;
using System.Text.Json;
using Moderation.Results.Tests.Infrastructure;
using Xunit;

namespace Moderation.Results.Tests;

/// <summary>Every error answer of the results API is an RFC 7807 problem, and absurd numbers are a 400, not a 500.</summary>
[Collection(ApiCollection.Name)]
public sealed class ProblemDetailsTests(ApiFixture fixture)
{
    [Theory]
    [InlineData("/stats/overview?hours=NaN")]
    [InlineData("/stats/overview?hours=Infinity")]
    [InlineData("/stats/overview?hours=-Infinity")]
    [InlineData("/stats/overview?hours=-5")]
    [InlineData("/evaluation/recommendation?class=Porn&targetRecall=NaN")]
    [InlineData("/evaluation/recommendation?class=Porn&targetRecall=Infinity")]
    [InlineData("/evaluation/recommendation?class=Porn&targetRecall=-0.5")]
    [InlineData("/evaluation/recommendation?class=Porn&targetFalsePositiveRate=NaN")]
    public async Task Non_finite_or_negative_numbers_are_400_problems(string path)
    {
        using var client = fixture.App.Client(ResultsApp.AdminKey);
        using var response = await client.GetAsync(path);
        await AssertProblemAsync(response, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Not_found_unauthenticated_and_forbidden_answers_have_problem_bodies()
    {
        using var reader = fixture.App.Client(ResultsApp.ReadKey);
        using (var missing = await reader.GetAsync($"/media/{Guid.NewGuid()}"))
        {
            await AssertProblemAsync(missing, HttpStatusCode.NotFound);
        }

        using (var forbidden = await reader.GetAsync("/reviews/next"))
        {
            await AssertProblemAsync(forbidden, HttpStatusCode.Forbidden);
        }

        using var anonymous = fixture.App.Client(null);
        using var unauthenticated = await anonymous.GetAsync("/media?limit=1");
        await AssertProblemAsync(unauthenticated, HttpStatusCode.Unauthorized);
        Assert.Contains("X-Api-Key", unauthenticated.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
    }

    private static async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"{(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(body);
        Assert.Equal((int)status, problem.RootElement.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrEmpty(problem.RootElement.GetProperty("title").GetString()));
    }
}
