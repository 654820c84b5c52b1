using System.Diagnostics;
using Moderation.Auth;
using Moderation.Testing;
using Npgsql;
using Xunit;

namespace Moderation.Ingest.Tests;

/// <summary>The one-shot commands, run as a process the way scripts/up and operators run them.</summary>
public sealed class CommandLineTests
{
    [Fact]
    public async Task Keys_create_on_a_fresh_database_migrates_and_prints_only_the_key()
    {
        var database = await (await TestServers.GetAsync()).CreateDatabaseAsync("ingestcli");

        var (code, stdout, stderr) = await RunAsync(database, "keys", "create", "--client", "wiki", "--scopes", "submit,read", "--quiet");
        Assert.True(code == 0, stderr);
        var key = stdout.Trim();
        Assert.Matches("^mod_[0-9a-f]{8}_[A-Za-z0-9_-]{43}$", key);
        Assert.Empty(stderr.Trim());

        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT \"KeyHash\", \"Scopes\" FROM api_clients WHERE \"ClientId\" = 'wiki'", connection);
        await using (var reader = await command.ExecuteReaderAsync())
        {
            Assert.True(await reader.ReadAsync());
            Assert.Equal(ApiKeyHash.Of(key), reader.GetString(0));
            Assert.Equal([ModerationScopes.Read, ModerationScopes.Submit], reader.GetFieldValue<string[]>(1));
        }

        var (listCode, list, _) = await RunAsync(database, "keys", "list");
        Assert.Equal(0, listCode);
        Assert.Contains(key[..12], list, StringComparison.Ordinal);
        Assert.DoesNotContain(key, list, StringComparison.Ordinal);

        Assert.Equal(0, (await RunAsync(database, "keys", "revoke", key[..12])).Code);
        Assert.Contains("revoked", (await RunAsync(database, "keys", "list")).Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_scope_is_refused_with_a_message()
    {
        var database = await (await TestServers.GetAsync()).CreateDatabaseAsync("ingestcli");
        var (code, stdout, stderr) = await RunAsync(database, "keys", "create", "--client", "wiki", "--scopes", "submit,everything");
        Assert.NotEqual(0, code);
        Assert.Empty(stdout.Trim());
        Assert.Contains("everything", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Migrate_command_creates_the_schema()
    {
        var database = await (await TestServers.GetAsync()).CreateDatabaseAsync("ingestcli");
        var (code, _, stderr) = await RunAsync(database, "migrate");
        Assert.True(code == 0, stderr);
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT count(*) FROM information_schema.tables WHERE table_name IN ('api_clients','submissions','webhook_deliveries')", connection);
        Assert.Equal(3L, await command.ExecuteScalarAsync());
    }

    [Theory]
    [InlineData("keys", "create", "--client", "wiki", "--scope", "submit")]
    [InlineData("keys", "create", "--client", "wiki")]
    [InlineData("kyes", "list")]
    [InlineData("sources", "add", "--client", "wiki", "--sorce", "10.20.0.5", "--reason", "office wiki")]
    [InlineData("sources", "add", "--client", "wiki", "--source", "10.20.0.5")]
    [InlineData("sources", "remove", "not-an-id")]
    [InlineData("sources", "list", "--include-revokd")]
    [InlineData("sorces", "list")]
    public async Task A_misspelt_command_or_option_or_a_missing_one_is_an_error_with_usage_and_creates_nothing(params string[] arguments)
    {
        var database = await (await TestServers.GetAsync()).CreateDatabaseAsync("ingestcli");

        var (code, stdout, stderr) = await RunAsync(database, arguments);

        Assert.True(code != 0, stdout + stderr);
        Assert.Contains("Usage:", stdout + stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("mod_", stdout, StringComparison.Ordinal);
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT count(*) FROM information_schema.tables WHERE table_name = 'api_clients'", connection);
        Assert.Equal(0L, await command.ExecuteScalarAsync());
    }

    [Fact]
    public async Task Help_lists_the_key_commands_and_their_options()
    {
        var database = await (await TestServers.GetAsync()).CreateDatabaseAsync("ingestcli");

        var (code, stdout, _) = await RunAsync(database, "keys", "create", "--help");

        Assert.Equal(0, code);
        Assert.Contains("--client", stdout, StringComparison.Ordinal);
        Assert.Contains("--scopes", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sources_add_list_remove_keep_the_allow_list_and_its_audit_trail()
    {
        var database = await (await TestServers.GetAsync()).CreateDatabaseAsync("ingestcli");

        var (code, stdout, stderr) = await RunAsync(database, "sources", "add", "--client", "wiki", "--source", "10.20.0.5", "--reason", "office wiki", "--by", "alice");
        Assert.True(code == 0, stderr);
        var id = Guid.Parse(stdout.Trim());
        // The store's warning, as the API's changes log it.
        Assert.Contains("Source 10.20.0.5/32 allowed for client wiki by alice (command line): office wiki", stderr, StringComparison.Ordinal);

        var (defaultActorCode, defaultActorId, defaultActorError) = await RunAsync(database, "sources", "add", "--client", "other", "--source", "Wiki.Internal", "--reason", "lab");
        Assert.True(defaultActorCode == 0, defaultActorError);

        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using (var command = new NpgsqlCommand("SELECT \"ClientId\", \"Source\", \"Reason\", \"CreatedBy\" FROM source_allowances WHERE \"Id\" = @id", connection))
        {
            command.Parameters.AddWithValue("id", id);
            await using var reader = await command.ExecuteReaderAsync();
            Assert.True(await reader.ReadAsync());
            Assert.Equal(("wiki", "10.20.0.5/32", "office wiki", "alice (command line)"), (reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3)));
        }

        var (_, wikiList, _) = await RunAsync(database, "sources", "list", "--client", "wiki");
        var line = Assert.Single(wikiList.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"{id}\twiki\t10.20.0.5/32\t", line, StringComparison.Ordinal);
        Assert.EndsWith("\talice (command line)\toffice wiki\tactive", line, StringComparison.Ordinal);
        var all = (await RunAsync(database, "sources", "list")).Stdout;
        Assert.Contains($"{defaultActorId.Trim()}\tother\twiki.internal\t", all, StringComparison.Ordinal);
        Assert.Contains($"@{Environment.MachineName} (command line)\tlab\tactive", all, StringComparison.Ordinal);

        var (removeCode, _, removeError) = await RunAsync(database, "sources", "remove", id.ToString(), "--reason", "wiki moved", "--by", "bob");
        Assert.True(removeCode == 0, removeError);
        Assert.Empty((await RunAsync(database, "sources", "list", "--client", "wiki")).Stdout.Trim());
        var history = (await RunAsync(database, "sources", "list", "--client", "wiki", "--include-revoked")).Stdout.Trim();
        Assert.Matches($"^{id}\twiki\t10.20.0.5/32\t.*\toffice wiki\trevoked .* by bob \\(command line\\): wiki moved$", history);

        var (againCode, _, againError) = await RunAsync(database, "sources", "remove", id.ToString());
        Assert.Equal(1, againCode);
        Assert.Contains($"No active entry '{id}'", againError, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("8.8.8.8", "public")]
    [InlineData("169.254.169.254", "metadata")]
    [InlineData("0.0.0.0/0", "everything")]
    [InlineData("10.0.0.0/8", " ")]
    public async Task Sources_add_refuses_what_the_api_refuses_and_stores_nothing(string source, string reason)
    {
        var database = await (await TestServers.GetAsync()).CreateDatabaseAsync("ingestcli");

        var (code, stdout, stderr) = await RunAsync(database, "sources", "add", "--client", "wiki", "--source", source, "--reason", reason);

        Assert.Equal(2, code);
        Assert.Empty(stdout.Trim());
        Assert.False(string.IsNullOrWhiteSpace(stderr));
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT count(*) FROM source_allowances", connection);
        Assert.Equal(0L, await command.ExecuteScalarAsync());
    }

    [Fact]
    public async Task Help_lists_the_source_commands_and_their_options()
    {
        var database = await (await TestServers.GetAsync()).CreateDatabaseAsync("ingestcli");

        var (code, stdout, _) = await RunAsync(database, "sources", "--help");
        Assert.Equal(0, code);
        foreach (var command in new[] { "list", "add", "remove" })
        {
            Assert.Contains(command, stdout, StringComparison.Ordinal);
        }

        var (addCode, addHelp, _) = await RunAsync(database, "sources", "add", "--help");
        Assert.Equal(0, addCode);
        foreach (var option in new[] { "--client", "--source", "--reason", "--by" })
        {
            Assert.Contains(option, addHelp, StringComparison.Ordinal);
        }
    }

    internal static async Task<(int Code, string Stdout, string Stderr)> RunAsync(string database, params string[] arguments)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(typeof(Program).Assembly.Location);
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment["ConnectionStrings__postgres"] = database;
        info.Environment["Database__MigrateOnStart"] = "true";
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout, await stderr);
    }
}
