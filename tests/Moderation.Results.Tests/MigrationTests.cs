using Moderation.Results.Tests.Infrastructure;
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

        var (code, output) = await RunWithDatabaseAsync(connection, "migrate");
        Assert.True(code == 0, output);

        await using var db = new NpgsqlConnection(connection);
        await db.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT version FROM policies WHERE name = 'default'", db);
        Assert.Equal(1, await command.ExecuteScalarAsync());
    }

    [Fact]
    public async Task Replicas_migrating_a_fresh_database_at_the_same_time_all_succeed_and_apply_each_migration_once()
    {
        var servers = await TestServers.GetAsync();
        var name = "results_race_" + Guid.NewGuid().ToString("N")[..12];
        var connection = new NpgsqlConnectionStringBuilder(servers.PostgresConnectionString) { Database = name }.ConnectionString;

        var runs = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => RunWithDatabaseAsync(connection, "migrate")));

        Assert.All(runs, run => Assert.True(run.Code == 0, run.Output));
        await using var db = new NpgsqlConnection(connection);
        await db.OpenAsync();
        await using var history = new NpgsqlCommand("SELECT count(*), count(DISTINCT migration_id) FROM \"__EFMigrationsHistory\"", db);
        await using (var reader = await history.ExecuteReaderAsync())
        {
            Assert.True(await reader.ReadAsync());
            Assert.True(reader.GetInt64(0) > 0);
            Assert.Equal(reader.GetInt64(1), reader.GetInt64(0));
        }

        await using var policies = new NpgsqlCommand("SELECT count(*) FROM policies WHERE name = 'default'", db);
        Assert.Equal(1L, await policies.ExecuteScalarAsync());
    }

    [Theory]
    [InlineData("migrat")]
    [InlineData("migrate", "--now")]
    // Head training has its own entry point (tools/head-training): the service no longer knows the command.
    [InlineData("train-head")]
    public async Task A_misspelt_or_unknown_command_or_option_is_an_error_with_usage_and_does_nothing(params string[] arguments)
    {
        var (code, output) = await RunWithDatabaseAsync(EntryPoint.NoDatabase, arguments);

        Assert.True(code != 0, output);
        Assert.Contains("Usage:", output, StringComparison.Ordinal);
        Assert.Contains(arguments[^1], output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_describes_the_commands()
    {
        var (code, output) = await RunWithDatabaseAsync(EntryPoint.NoDatabase, "--help");

        Assert.Equal(0, code);
        Assert.Contains("migrate", output, StringComparison.Ordinal);
        Assert.DoesNotContain("train-head", output, StringComparison.Ordinal);
    }

    private static async Task<(int Code, string Output)> RunWithDatabaseAsync(string connectionString, params string[] arguments)
    {
        var (code, output, errors) = await EntryPoint.RunAsync(EntryPoint.Results, new Dictionary<string, string> { ["ConnectionStrings__postgres"] = connectionString }, arguments);
        return (code, output + errors);
    }
}
