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
}
