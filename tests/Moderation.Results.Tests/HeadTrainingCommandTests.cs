using Moderation.Results.Tests.Infrastructure;
using Xunit;

namespace Moderation.Results.Tests;

/// <summary>
/// The command line of tools/head-training, run as its own process (the CronJob's entry point). Training itself, on a
/// real database, is in <see cref="LearningTests"/>.
/// </summary>
public sealed class HeadTrainingCommandTests
{
    private static readonly Dictionary<string, string> NoDatabase = new() { ["ConnectionStrings__postgres"] = EntryPoint.NoDatabase };

    [Theory]
    [InlineData("--no-publsh")]
    [InlineData("--base-model-version")]
    [InlineData("--no-publish", "--base-model-versoin", "v1")]
    // The old form, results' `train-head` command: this tool has no commands, only options.
    [InlineData("train-head")]
    public async Task A_misspelt_option_a_missing_value_or_a_stray_argument_is_an_error_with_usage_and_trains_nothing(params string[] arguments)
    {
        var (code, output, errors) = await EntryPoint.RunAsync(EntryPoint.HeadTraining, NoDatabase, arguments);

        Assert.True(code != 0, output + errors);
        Assert.Contains("Usage:", output + errors, StringComparison.Ordinal);
        Assert.Contains(arguments.First(a => a is not "--no-publish" and not "v1"), output + errors, StringComparison.Ordinal);
        // Refused before the (unreachable) database was tried.
        Assert.DoesNotContain("training failed", errors, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_describes_the_options()
    {
        var (code, output, errors) = await EntryPoint.RunAsync(EntryPoint.HeadTraining, NoDatabase, "--help");

        Assert.True(code == 0, output + errors);
        Assert.Contains("--no-publish", output, StringComparison.Ordinal);
        Assert.Contains("--base-model-version", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_run_that_cannot_reach_the_database_fails_with_exit_code_1_and_prints_no_report()
    {
        var (code, output, errors) = await EntryPoint.RunAsync(EntryPoint.HeadTraining, NoDatabase, "--no-publish");

        Assert.True(code == 1, $"exit code {code}: {output}{errors}");
        Assert.Equal("", output.Trim());
        Assert.Contains("Feedback head training failed", errors, StringComparison.Ordinal);
    }
}
