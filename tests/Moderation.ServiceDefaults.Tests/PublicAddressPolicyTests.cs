using System.Net;
using Moderation.ServiceDefaults.Networking;
using Xunit;

namespace Moderation.ServiceDefaults.Tests;

/// <summary>The shared outbound-address rule, address by address (offline: nothing here touches a network).</summary>
public sealed class PublicAddressPolicyTests
{
    [Theory]
    [InlineData("8.8.8.8")]
    [InlineData("93.184.216.34")]
    [InlineData("172.32.0.1")]
    [InlineData("100.128.0.1")]
    [InlineData("192.0.1.1")]
    [InlineData("198.20.0.1")]
    [InlineData("223.255.255.254")]
    [InlineData("2606:4700:4700::1111")]
    [InlineData("2606:2800:220:1::1")]
    [InlineData("2a00:1450:4001:80b::200e")]
    [InlineData("::ffff:8.8.8.8")] // mapped public IPv4
    [InlineData("64:ff9b::808:808")] // NAT64 of 8.8.8.8
    [InlineData("2002:808:808::1")] // 6to4 of 8.8.8.8
    public void Public_unicast_is_allowed(string address)
    {
        Assert.Equal(AddressReach.Public, PublicAddressPolicy.Classify(IPAddress.Parse(address)).Reach);
        Assert.Null(PublicAddressPolicy.Refusal(IPAddress.Parse(address)));
    }

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("127.255.255.254")]
    [InlineData("::1")]
    [InlineData("::ffff:127.0.0.1")]
    public void Loopback_needs_explicit_permission(string address)
    {
        Assert.Equal(AddressReach.Loopback, PublicAddressPolicy.Classify(IPAddress.Parse(address)).Reach);
        Assert.Contains("loopback", PublicAddressPolicy.Refusal(IPAddress.Parse(address)), StringComparison.Ordinal);
        Assert.Null(PublicAddressPolicy.Refusal(IPAddress.Parse(address), allowLoopback: true));
    }

    [Theory]
    [InlineData("10.0.0.1")]
    [InlineData("10.255.255.255")]
    [InlineData("172.16.5.4")]
    [InlineData("172.31.0.1")]
    [InlineData("192.168.1.1")]
    [InlineData("100.64.0.1")] // CGNAT
    [InlineData("100.127.255.255")]
    [InlineData("fd00:ec2::254")] // AWS metadata over IPv6 (unique-local)
    [InlineData("fc00::1")]
    [InlineData("::ffff:10.0.0.1")]
    public void Private_networks_need_explicit_permission(string address)
    {
        Assert.Equal(AddressReach.Private, PublicAddressPolicy.Classify(IPAddress.Parse(address)).Reach);
        Assert.NotNull(PublicAddressPolicy.Refusal(IPAddress.Parse(address), allowLoopback: true));
        Assert.Null(PublicAddressPolicy.Refusal(IPAddress.Parse(address), allowPrivateNetworks: true));
    }

    [Theory]
    // IPv4 special-purpose registry, multicast and broadcast
    [InlineData("0.0.0.0")]
    [InlineData("0.1.2.3")]
    [InlineData("169.254.169.254")]
    [InlineData("169.254.0.1")]
    [InlineData("192.0.0.1")]
    [InlineData("192.0.0.170")]
    [InlineData("192.0.2.1")] // TEST-NET-1
    [InlineData("198.51.100.7")] // TEST-NET-2
    [InlineData("203.0.113.9")] // TEST-NET-3
    [InlineData("192.88.99.1")]
    [InlineData("198.18.0.1")]
    [InlineData("198.19.255.255")]
    [InlineData("224.0.0.1")]
    [InlineData("239.255.255.250")]
    [InlineData("240.0.0.1")]
    [InlineData("255.255.255.255")]
    // IPv6 special-purpose registry
    [InlineData("::")]
    [InlineData("100::1")] // discard-only 100::/64
    [InlineData("100::ffff:ffff:ffff:ffff")]
    [InlineData("100:0:0:1::1")]
    [InlineData("2001::1")] // Teredo 2001::/32
    [InlineData("2001:0:4136:e378:8000:63bf:3fff:fdd2")]
    [InlineData("2001:2::1")] // benchmarking, in 2001::/23
    [InlineData("2001:10::1")]
    [InlineData("2001:db8::1")] // documentation
    [InlineData("2001:db8:ffff::1")]
    [InlineData("3fff::1")] // documentation 3fff::/20
    [InlineData("3fff:fff::1")]
    [InlineData("5f00::1")]
    [InlineData("fe80::1")]
    [InlineData("febf::1")]
    [InlineData("fec0::1")]
    [InlineData("ff02::1")]
    [InlineData("ff0e::1")]
    [InlineData("64:ff9b:1::1")] // local-use translation 64:ff9b:1::/48
    [InlineData("64:ff9b:1:ffff::a9fe:a9fe")]
    // outside 2000::/3 global unicast
    [InlineData("4000::1")]
    [InlineData("200::1")]
    [InlineData("1::1")]
    // IPv4 embedded in IPv6: judged by what they carry, and the deprecated wrappers refused whatever they carry
    [InlineData("::127.0.0.1")] // IPv4-compatible loopback
    [InlineData("::169.254.169.254")] // IPv4-compatible metadata
    [InlineData("::a9fe:a9fe")] // the same, written in hex
    [InlineData("::8.8.8.8")] // IPv4-compatible is deprecated: never dialled
    [InlineData("::ffff:0:7f00:1")] // SIIT (::ffff:0:0:0/96) of 127.0.0.1
    [InlineData("::ffff:0:808:808")] // SIIT of a public address
    [InlineData("::ffff:169.254.169.254")]
    [InlineData("::ffff:0.0.0.0")]
    [InlineData("::ffff:224.0.0.1")]
    [InlineData("64:ff9b::a9fe:a9fe")] // NAT64 of metadata
    [InlineData("64:ff9b::c000:201")] // NAT64 of TEST-NET-1
    [InlineData("2002:a9fe:a9fe::1")] // 6to4 of metadata
    [InlineData("2002:7f00:1::1")] // translated or tunnelled forms must carry a public address
    [InlineData("64:ff9b::7f00:1")]
    [InlineData("64:ff9b::a00:1")]
    [InlineData("2002:c0a8:101::1")]
    public void Everything_else_is_refused_even_with_loopback_and_private_networks_allowed(string address)
    {
        Assert.Equal(AddressReach.Forbidden, PublicAddressPolicy.Classify(IPAddress.Parse(address)).Reach);
        Assert.NotNull(PublicAddressPolicy.Refusal(IPAddress.Parse(address), allowLoopback: true, allowPrivateNetworks: true));
    }

    [Fact]
    public void Scoped_ipv6_addresses_are_refused()
    {
        var scoped = IPAddress.Parse("2606:4700:4700::1111");
        scoped.ScopeId = 3;
        Assert.Equal(AddressReach.Forbidden, PublicAddressPolicy.Classify(scoped).Reach);
    }

    [Fact]
    public void Refusals_name_the_registered_range_and_the_embedded_address()
    {
        Assert.Contains("169.254.0.0/16", PublicAddressPolicy.Refusal(IPAddress.Parse("::169.254.169.254")), StringComparison.Ordinal);
        Assert.Contains("IPv4-compatible", PublicAddressPolicy.Refusal(IPAddress.Parse("::169.254.169.254")), StringComparison.Ordinal);
        Assert.Contains("2001:db8::/32 documentation", PublicAddressPolicy.Refusal(IPAddress.Parse("2001:db8::1")), StringComparison.Ordinal);
        Assert.Contains("10.0.0.0/8", PublicAddressPolicy.Refusal(IPAddress.Parse("::ffff:10.0.0.7")), StringComparison.Ordinal);
    }
}
