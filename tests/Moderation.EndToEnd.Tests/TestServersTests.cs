using Moderation.Testing;
using Npgsql;
using RabbitMQ.Client;

namespace Moderation.EndToEnd.Tests;

/// <summary>The shared fixture hands out isolated, working virtual hosts and databases on real servers.</summary>
public sealed class TestServersTests
{
    [Fact]
    public async Task Fresh_virtual_host_accepts_a_connection_and_is_isolated()
    {
        var servers = await TestServers.GetAsync();
        var first = await servers.CreateVirtualHostAsync();
        var second = await servers.CreateVirtualHostAsync();

        await using var a = await new ConnectionFactory { Uri = new Uri(first) }.CreateConnectionAsync();
        await using var channelA = await a.CreateChannelAsync();
        await channelA.QueueDeclareAsync("only-in-first", durable: false, exclusive: false, autoDelete: false);

        await using var b = await new ConnectionFactory { Uri = new Uri(second) }.CreateConnectionAsync();
        await using var channelB = await b.CreateChannelAsync();
        var error = await Assert.ThrowsAnyAsync<RabbitMQ.Client.Exceptions.OperationInterruptedException>(
            () => channelB.QueueDeclarePassiveAsync("only-in-first"));
        Assert.Contains("NOT_FOUND", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Fresh_database_is_empty_and_writable()
    {
        var servers = await TestServers.GetAsync();
        await using var connection = new NpgsqlConnection(await servers.CreateDatabaseAsync());
        await connection.OpenAsync();
        await using var create = new NpgsqlCommand("CREATE TABLE probe (id int); INSERT INTO probe VALUES (7); SELECT count(*) FROM pg_tables WHERE schemaname = 'public'", connection);
        Assert.Equal(1L, await create.ExecuteScalarAsync());
    }
}
