using System.CommandLine;
using Xunit;

namespace Moderation.ServiceDefaults.Tests;

/// <summary>The command host every CLI runs on: strict parsing, help, exit codes and the range rule.</summary>
public sealed class ServiceCommandLineTests
{
    [Theory]
    [InlineData("--count", "5")]
    [InlineData("--count", "1")]
    [InlineData("--count", "10")]
    public async Task A_value_inside_the_range_reaches_the_action(string option, string value)
    {
        var (code, bound, _) = await RunAsync(option, value);

        Assert.Equal(0, code);
        Assert.Equal(int.Parse(value, System.Globalization.CultureInfo.InvariantCulture), bound);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("11")]
    [InlineData("-3")]
    public async Task A_value_outside_the_range_is_an_error_naming_the_option_and_the_range_and_runs_nothing(string value)
    {
        var (code, bound, output) = await RunAsync("--count", value);

        Assert.Equal(1, code);
        Assert.Null(bound);
        Assert.Contains("--count must be between 1 and 10", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_value_that_is_not_a_number_is_an_error()
    {
        var (code, bound, output) = await RunAsync("--count", "many");

        Assert.Equal(1, code);
        Assert.Null(bound);
        Assert.Contains("many", output, StringComparison.Ordinal);
        Assert.Contains("--count takes a number", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_default_applies_when_the_option_is_absent()
    {
        var (code, bound, _) = await RunAsync();

        Assert.Equal(0, code);
        Assert.Equal(3, bound);
    }

    [Theory]
    [InlineData("--cuont", "5")]
    [InlineData("extra")]
    [InlineData("--count")]
    public async Task Misspelt_options_stray_arguments_and_missing_values_are_errors_with_usage(params string[] args)
    {
        var (code, bound, output) = await RunAsync(args);

        Assert.Equal(1, code);
        Assert.Null(bound);
        Assert.Contains("Usage:", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_lists_the_options_and_runs_nothing()
    {
        var (code, bound, output) = await RunAsync("--help");

        Assert.Equal(0, code);
        Assert.Null(bound);
        Assert.Contains("--count", output, StringComparison.Ordinal);
        Assert.Contains("How many.", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("migrate")]
    [InlineData("keys", "list")]
    [InlineData("--help")]
    [InlineData("-h")]
    [InlineData("--version")]
    public void A_command_or_help_is_a_command(params string[] args) => Assert.True(ServiceCommandLine.IsCommand(args));

    [Theory]
    [InlineData]
    [InlineData("--urls", "http://127.0.0.1:5080")]
    public void Nothing_or_host_options_mean_serve(params string[] args) => Assert.False(ServiceCommandLine.IsCommand(args));

    private static async Task<(int Code, int? Bound, string Output)> RunAsync(params string[] args)
    {
        var count = new Option<int>("--count") { Description = "How many.", DefaultValueFactory = _ => 3 }.InRange(1, 10);
        int? bound = null;
        var root = new RootCommand("A command line under test.") { count };
        root.SetAction(result => bound = result.GetValue(count));
        using var output = new StringWriter();
        var code = await ServiceCommandLine.InvokeAsync(root, args, new InvocationConfiguration { Output = output, Error = output });
        return (code, bound, output.ToString());
    }
}
