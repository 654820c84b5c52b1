using Moderation.Testing;
using Npgsql;
using Xunit;

namespace Moderation.Results.Tests;

public sealed class MigrationTests
{
    [Fact]
    public async Task The_migrate_command_creates_the_database_and_schema_and_exits()
    {
        var servers = await TestServers.GetAsync();
        var name = "results_migrate_" + Guid.NewGuid().ToString("N")[..12];
        var connection = new NpgsqlConnectionStringBuilder(servers.PostgresConnectionString) { Database = name }.ConnectionString;
        var dll = Path.Combine(AppContext.BaseDirectory, "Moderation.Results.dll");
        var info = new System.Diagnostics.ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(dll);
        info.ArgumentList.Add("migrate");
        info.Environment["ConnectionStrings__postgres"] = connection;
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        using var process = System.Diagnostics.Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));
        Assert.True(process.ExitCode == 0, await output + await errors);

        await using var db = new NpgsqlConnection(connection);
        await db.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT version FROM policies WHERE name = 'default'", db);
        Assert.Equal(1, await command.ExecuteScalarAsync());
    }

    [Theory]
    [InlineData("train-head", "--no-publsh")]
    [InlineData("train-head", "--base-model-version")]
    [InlineData("migrat")]
    public async Task A_misspelt_command_or_option_is_an_error_with_usage_and_does_nothing(params string[] arguments)
    {
        var (code, output) = await RunAsync(arguments);

        Assert.True(code != 0, output);
        Assert.Contains("Usage:", output, StringComparison.Ordinal);
        Assert.Contains(arguments[^1], output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_describes_the_commands_and_their_options()
    {
        var (code, output) = await RunAsync("train-head", "--help");

        Assert.Equal(0, code);
        Assert.Contains("--no-publish", output, StringComparison.Ordinal);
        Assert.Contains("--base-model-version", output, StringComparison.Ordinal);
    }

    private static async Task<(int Code, string Output)> RunAsync(params string[] arguments)
    {
        var info = new System.Diagnostics.ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Moderation.Results.dll"));
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        // No database anywhere: a command line that is wrong must be refused before anything is touched.
        info.Environment["ConnectionStrings__postgres"] = "Host=127.0.0.1;Port=9;Database=nowhere;Username=nobody";
        using var process = System.Diagnostics.Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(1));
        return (process.ExitCode, await output + await errors);
    }
}
