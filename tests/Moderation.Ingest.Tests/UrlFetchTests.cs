using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Moderation.Ingest.Extensions;
using Moderation.Ingest.Fetching;
using Moderation.Ingest.Intake;
using Moderation.Ingest.Tests.Infrastructure;
using Xunit;

namespace Moderation.Ingest.Tests;

public sealed class LoopbackServerFixture : IAsyncLifetime
{
    public LoopbackMediaServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await LoopbackMediaServer.StartAsync();

    public async Task DisposeAsync() => await Server.DisposeAsync();
}

/// <summary>
/// Each SSRF guard of the fetcher, proven against a real loopback server. Names resolve through a fake resolver that
/// returns private and metadata addresses; every refusal is asserted to happen before any connection attempt.
/// </summary>
public sealed class UrlFetchTests(LoopbackServerFixture fixture) : IClassFixture<LoopbackServerFixture>
{
    private readonly FakeDnsResolver _dns = new();
    private readonly RecordingConnector _connector = new();
    private LoopbackMediaServer Server => fixture.Server;

    [Theory]
    [InlineData("http://10.0.0.1/a.jpg")]
    [InlineData("http://172.16.5.4/a.jpg")]
    [InlineData("http://192.168.1.1/a.jpg")]
    [InlineData("http://169.254.169.254/latest/meta-data/")]
    [InlineData("http://100.64.0.1/a.jpg")]
    [InlineData("http://0.0.0.0/a.jpg")]
    [InlineData("http://[::ffff:169.254.169.254]/latest/meta-data/")]
    [InlineData("http://[fd00:ec2::254]/latest/meta-data/")]
    [InlineData("http://[fe80::1]/a.jpg")]
    [InlineData("http://[64:ff9b::a9fe:a9fe]/a.jpg")]
    [InlineData("http://2852039166/latest/meta-data/")]
    [InlineData("http://0xA9FEA9FE/latest/meta-data/")]
    [InlineData("http://[::127.0.0.1]/a.jpg")]
    [InlineData("http://[::169.254.169.254]/latest/meta-data/")]
    [InlineData("http://[::a9fe:a9fe]/latest/meta-data/")]
    [InlineData("http://[::ffff:0:7f00:1]/a.jpg")]
    [InlineData("http://[64:ff9b:1::a9fe:a9fe]/latest/meta-data/")]
    [InlineData("http://[2001::a9fe:a9fe]/a.jpg")]
    [InlineData("http://[100::1]/a.jpg")]
    [InlineData("http://[2001:db8::1]/a.jpg")]
    [InlineData("http://[3fff::1]/a.jpg")]
    [InlineData("http://192.0.2.1/a.jpg")]
    [InlineData("http://198.51.100.1/a.jpg")]
    [InlineData("http://203.0.113.1/a.jpg")]
    public async Task Private_and_metadata_addresses_are_refused_before_connecting(string url)
    {
        var problem = await RefusedAsync(Fetcher(), new Uri(url));
        Assert.Equal(Problems.ForbiddenUrl, problem.Type);
        Assert.Empty(_connector.Attempts);
    }

    [Fact]
    public async Task Loopback_is_refused_unless_explicitly_allowed()
    {
        var url = Server.Url(Server.Serve(Png()));
        var problem = await RefusedAsync(Fetcher(allowLoopback: false), url);
        Assert.Equal(Problems.ForbiddenUrl, problem.Type);
        Assert.Empty(_connector.Attempts);

        Assert.Equal(Png().Length, await FetchLengthAsync(Fetcher(allowLoopback: true), url));
    }

    [Fact]
    public async Task Name_resolving_to_the_metadata_address_is_refused_before_connecting()
    {
        _dns.Answer("metadata.attacker.test", "169.254.169.254");
        var problem = await RefusedAsync(Fetcher(), new Uri("http://metadata.attacker.test/latest/meta-data/"));
        Assert.Equal(Problems.ForbiddenUrl, problem.Type);
        Assert.Contains("169.254.169.254", problem.Detail, StringComparison.Ordinal);
        Assert.Empty(_connector.Attempts);
    }

    [Fact]
    public async Task Name_resolving_to_a_public_and_a_private_address_is_refused()
    {
        _dns.Answer("mixed.attacker.test", "127.0.0.1", "10.1.2.3");
        var problem = await RefusedAsync(Fetcher(), Server.Url(Server.Serve(Png()), "mixed.attacker.test"));
        Assert.Equal(Problems.ForbiddenUrl, problem.Type);
        Assert.Empty(_connector.Attempts);
    }

    [Fact]
    public async Task Localhost_by_name_is_refused_without_the_test_switch()
    {
        _dns.Answer("localhost", "127.0.0.1", "::1");
        var problem = await RefusedAsync(Fetcher(allowLoopback: false), Server.Url(Server.Serve(Png()), "localhost"));
        Assert.Equal(Problems.ForbiddenUrl, problem.Type);
        Assert.Empty(_connector.Attempts);
    }

    [Fact]
    public async Task Redirect_to_a_private_address_is_refused_after_the_first_hop()
    {
        var url = Server.Url("/redirect?to=" + Uri.EscapeDataString("http://192.168.0.10/internal.png"));
        var problem = await RefusedAsync(Fetcher(), url);
        Assert.Equal(Problems.ForbiddenUrl, problem.Type);
        Assert.All(_connector.Attempts, a => Assert.Equal(IPAddress.Loopback, a.Address));
        Assert.Single(_connector.Attempts);
    }

    [Fact]
    public async Task Redirect_to_a_name_resolving_to_the_metadata_address_is_refused()
    {
        _dns.Answer("innocent.attacker.test", "169.254.169.254");
        var url = Server.Url("/redirect?status=307&to=" + Uri.EscapeDataString("http://innocent.attacker.test/latest/meta-data/"));
        var problem = await RefusedAsync(Fetcher(), url);
        Assert.Equal(Problems.ForbiddenUrl, problem.Type);
        Assert.All(_connector.Attempts, a => Assert.Equal(IPAddress.Loopback, a.Address));
        Assert.Equal(1, _dns.Calls("innocent.attacker.test"));
    }

    [Fact]
    public async Task Rebinding_name_is_resolved_once_and_connected_to_the_checked_address_only()
    {
        // First answer passes the guard; every later answer points at the metadata service. A fetcher that resolved
        // again when connecting would dial 169.254.169.254.
        _dns.AnswerSequence("rebind.attacker.test", n => [n == 0 ? IPAddress.Loopback : IPAddress.Parse("169.254.169.254")]);
        var png = Png();
        var url = Server.Url(Server.Serve(png), "rebind.attacker.test");

        Assert.Equal(png.Length, await FetchLengthAsync(Fetcher(), url));
        Assert.Equal(1, _dns.Calls("rebind.attacker.test"));
        Assert.All(_connector.Attempts, a => Assert.Equal(IPAddress.Loopback, a.Address));
    }

    [Fact]
    public async Task Redirects_are_followed_up_to_the_cap()
    {
        var png = Png();
        var target = Server.Url(Server.Serve(png));
        Assert.Equal(png.Length, await FetchLengthAsync(Fetcher(), Server.Url("/redirect?to=" + Uri.EscapeDataString(target.ToString()))));

        var problem = await RefusedAsync(Fetcher(maxRedirects: 3), Server.Url("/loop/0"));
        Assert.Equal(Problems.UrlFetchFailed, problem.Type);
        Assert.Contains("More than 3 redirects", problem.Detail, StringComparison.Ordinal);
        Assert.Contains("/loop/3", Server.Requests);
        Assert.DoesNotContain("/loop/4", Server.Requests);
    }

    [Theory]
    [InlineData("ftp://example.org/a.jpg")]
    [InlineData("file:///etc/passwd")]
    [InlineData("gopher://127.0.0.1:70/")]
    public async Task Only_http_and_https_are_fetched(string url)
    {
        var problem = await RefusedAsync(Fetcher(), new Uri(url));
        Assert.Equal(Problems.ForbiddenUrl, problem.Type);
        Assert.Empty(_connector.Attempts);
    }

    [Fact]
    public async Task Redirect_to_another_scheme_is_refused()
    {
        var problem = await RefusedAsync(Fetcher(), Server.Url("/redirect?to=" + Uri.EscapeDataString("file:///etc/passwd")));
        Assert.Equal(Problems.ForbiddenUrl, problem.Type);
    }

    [Fact]
    public async Task Urls_with_credentials_are_refused()
    {
        var problem = await RefusedAsync(Fetcher(), new Uri($"http://user:secret@127.0.0.1:{Server.Port}/files/x"));
        Assert.Equal(Problems.ForbiddenUrl, problem.Type);
        Assert.Empty(_connector.Attempts);
    }

    [Fact]
    public async Task Body_past_the_size_cap_is_cut_off_even_without_content_length()
    {
        var problem = await RefusedAsync(Fetcher(maxBytes: 1_000_000), Server.Url("/endless"));
        Assert.Equal(Problems.MediaTooLarge, problem.Type);
    }

    [Fact]
    public async Task Stalled_server_hits_the_time_cap()
    {
        var started = DateTime.UtcNow;
        var problem = await RefusedAsync(Fetcher(timeout: TimeSpan.FromSeconds(1)), Server.Url("/stall"));
        Assert.Equal(Problems.UrlFetchFailed, problem.Type);
        Assert.InRange(DateTime.UtcNow - started, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Upstream_error_status_is_reported()
    {
        var problem = await RefusedAsync(Fetcher(), Server.Url("/status/404"));
        Assert.Equal(Problems.UrlFetchFailed, problem.Type);
        Assert.Equal(404, problem.Extensions["upstreamStatus"]);
    }

    [Fact]
    public async Task Unresolvable_name_is_a_fetch_failure()
    {
        var problem = await RefusedAsync(Fetcher(), new Uri("http://no-such-host.attacker.test/a.jpg"));
        Assert.Equal(Problems.UrlFetchFailed, problem.Type);
        Assert.Empty(_connector.Attempts);
    }

    [Fact]
    public async Task Name_resolving_to_an_ipv4_compatible_metadata_address_is_refused_before_connecting()
    {
        _dns.Answer("compat.attacker.test", "::a9fe:a9fe");
        var problem = await RefusedAsync(Fetcher(), new Uri("http://compat.attacker.test/latest/meta-data/"));
        Assert.Equal(Problems.ForbiddenUrl, problem.Type);
        Assert.Contains("169.254.0.0/16", problem.Detail, StringComparison.Ordinal);
        Assert.Empty(_connector.Attempts);
    }

    [Fact]
    public async Task Allow_listed_loopback_range_opens_loopback_for_its_client_only()
    {
        var url = Server.Url(Server.Serve(Png()));
        Assert.Equal(Png().Length, await FetchLengthAsync(Fetcher(allowLoopback: false), url, Allowed("127.0.0.1/32")));
        Assert.All(_connector.Attempts, a => Assert.Equal(IPAddress.Loopback, a.Address));

        var attempts = _connector.Attempts.Count;
        var problem = await RefusedAsync(Fetcher(allowLoopback: false), url, SourceAllowList.Empty);
        Assert.Equal(Problems.ForbiddenUrl, problem.Type);
        problem = await RefusedAsync(Fetcher(allowLoopback: false), url, Allowed("10.0.0.0/8", "wiki.internal"));
        Assert.Equal(Problems.ForbiddenUrl, problem.Type);
        Assert.Equal(attempts, _connector.Attempts.Count);
    }

    [Fact]
    public async Task Allow_listed_host_opens_what_it_resolves_to_but_never_the_metadata_service()
    {
        _dns.Answer("wiki.internal", "127.0.0.1");
        _dns.Answer("other.internal", "127.0.0.1");
        _dns.Answer("imds.internal", "169.254.169.254");
        var path = Server.Serve(Png());
        Assert.Equal(Png().Length, await FetchLengthAsync(Fetcher(allowLoopback: false), Server.Url(path, "WIKI.internal"), Allowed("wiki.internal")));

        var attempts = _connector.Attempts.Count;
        var problem = await RefusedAsync(Fetcher(allowLoopback: false), Server.Url(path, "other.internal"), Allowed("wiki.internal"));
        Assert.Equal(Problems.ForbiddenUrl, problem.Type);
        // A host or range rule never opens the ranges that are not private networks, whatever an administrator typed.
        problem = await RefusedAsync(Fetcher(allowLoopback: false), new Uri("http://imds.internal/latest/meta-data/"), Allowed("imds.internal"));
        Assert.Equal(Problems.ForbiddenUrl, problem.Type);
        Assert.Contains("169.254.169.254", problem.Detail, StringComparison.Ordinal);
        Assert.Equal(attempts, _connector.Attempts.Count);
    }

    [Fact]
    public async Task Allow_listed_private_range_opens_its_addresses_only()
    {
        // The recording connector refuses to dial anything but loopback: the attempt shows that the guard let it through.
        var problem = await RefusedAsync(Fetcher(), new Uri("http://10.1.2.3/a.png"), Allowed("10.1.0.0/16"));
        Assert.Equal(Problems.UrlFetchFailed, problem.Type);
        Assert.Equal(IPAddress.Parse("10.1.2.3"), Assert.Single(_connector.Attempts).Address);

        problem = await RefusedAsync(Fetcher(), new Uri("http://10.2.0.1/a.png"), Allowed("10.1.0.0/16"));
        Assert.Equal(Problems.ForbiddenUrl, problem.Type);
        problem = await RefusedAsync(Fetcher(), new Uri("http://192.168.1.1/a.png"), Allowed("10.1.0.0/16"));
        Assert.Equal(Problems.ForbiddenUrl, problem.Type);
        Assert.Single(_connector.Attempts);
    }

    [Fact]
    public async Task Redirect_from_an_allow_listed_source_to_another_private_address_is_refused()
    {
        var url = Server.Url("/redirect?to=" + Uri.EscapeDataString("http://192.168.0.10/internal.png"));
        var problem = await RefusedAsync(Fetcher(allowLoopback: false), url, Allowed("127.0.0.0/8"));
        Assert.Equal(Problems.ForbiddenUrl, problem.Type);
        Assert.Equal(IPAddress.Loopback, Assert.Single(_connector.Attempts).Address);
    }

    [Theory]
    [InlineData("Wiki.Internal.", "wiki.internal")]
    [InlineData("127.0.0.1", "127.0.0.1/32")]
    [InlineData("10.1.2.3/16", "10.1.0.0/16")]
    [InlineData("::ffff:192.168.4.5", "192.168.4.5/32")]
    [InlineData("fd12:3456::/32", "fd12:3456::/32")]
    [InlineData("::1", "::1/128")]
    public void Allow_list_entries_are_stored_in_canonical_form(string entry, string canonical)
    {
        Assert.True(SourceRule.TryParse(entry, out var rule, out var error), error);
        Assert.Equal(canonical, rule.Text);
    }

    [Theory]
    [InlineData("0.0.0.0/0")]
    [InlineData("10.0.0.0/7")]
    [InlineData("8.8.8.8")]
    [InlineData("169.254.169.254")]
    [InlineData("169.254.0.0/16")]
    [InlineData("fe80::/10")]
    [InlineData("::/0")]
    [InlineData("224.0.0.1")]
    [InlineData("10.0.0.0/33")]
    [InlineData("wiki/internal")]
    [InlineData("not a host")]
    [InlineData("")]
    public void Allow_list_refuses_entries_that_are_not_a_host_or_a_private_range(string entry)
    {
        Assert.False(SourceRule.TryParse(entry, out _, out var error));
        Assert.False(string.IsNullOrEmpty(error));
    }

    private static SourceAllowList Allowed(params string[] sources) => new("wiki", [.. sources.Select(SourceRule.Parse)]);

    private GuardedUrlFetcher Fetcher(bool allowLoopback = true, int maxRedirects = 5, long maxBytes = 100_000_000, TimeSpan? timeout = null) =>
        new(Options.Create(new UrlFetchOptions
        {
            AllowLoopback = allowLoopback,
            MaxRedirects = maxRedirects,
            MaxBytes = maxBytes,
            Timeout = timeout ?? TimeSpan.FromSeconds(10),
            ConnectTimeout = TimeSpan.FromSeconds(2),
        }), _dns, _connector, NullLogger<GuardedUrlFetcher>.Instance);

    private static async Task<long> FetchLengthAsync(GuardedUrlFetcher fetcher, Uri url, SourceAllowList? allowed = null)
    {
        using (fetcher)
        {
            return await fetcher.FetchAsync(url, allowed ?? SourceAllowList.Empty, async (response, token) =>
            {
                using var copy = new MemoryStream();
                await response.Content.CopyToAsync(copy, token);
                return copy.Length;
            }, CancellationToken.None);
        }
    }

    private static async Task<Microsoft.AspNetCore.Mvc.ProblemDetails> RefusedAsync(GuardedUrlFetcher fetcher, Uri url, SourceAllowList? allowed = null)
    {
        var refusal = await Assert.ThrowsAsync<IntakeException>(() => FetchLengthAsync(fetcher, url, allowed));
        return refusal.Problem;
    }

    private static byte[] Png() => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 1, 2, 3, 4, 5, 6, 7, 8];
}
