using System.Net;
using System.Net.Sockets;

namespace Moderation.Ingest.Fetching;

/// <summary>
/// Which addresses a client-supplied URL may reach: public unicast only. Private, loopback, link-local (cloud metadata
/// at 169.254.169.254 and fd00:ec2::254), carrier-grade NAT, multicast, reserved and documentation ranges are refused,
/// including IPv4 addresses smuggled inside IPv6 (mapped, NAT64, 6to4).
/// </summary>
public static class AddressGuard
{
    private static readonly (IPAddress Network, int Prefix)[] ForbiddenV4 =
    [
        (IPAddress.Parse("0.0.0.0"), 8), // "this network"
        (IPAddress.Parse("10.0.0.0"), 8),
        (IPAddress.Parse("100.64.0.0"), 10), // carrier-grade NAT
        (IPAddress.Parse("127.0.0.0"), 8),
        (IPAddress.Parse("169.254.0.0"), 16), // link-local, cloud metadata
        (IPAddress.Parse("172.16.0.0"), 12),
        (IPAddress.Parse("192.0.0.0"), 24), // IETF protocol assignments
        (IPAddress.Parse("192.0.2.0"), 24),
        (IPAddress.Parse("192.88.99.0"), 24), // 6to4 relay anycast
        (IPAddress.Parse("192.168.0.0"), 16),
        (IPAddress.Parse("198.18.0.0"), 15), // benchmarking
        (IPAddress.Parse("198.51.100.0"), 24),
        (IPAddress.Parse("203.0.113.0"), 24),
        (IPAddress.Parse("224.0.0.0"), 4), // multicast
        (IPAddress.Parse("240.0.0.0"), 4), // reserved, broadcast
    ];

    private static readonly (IPAddress Network, int Prefix)[] ForbiddenV6 =
    [
        (IPAddress.Parse("::"), 128),
        (IPAddress.Parse("::1"), 128),
        (IPAddress.Parse("100::"), 64), // discard
        (IPAddress.Parse("2001:db8::"), 32), // documentation
        (IPAddress.Parse("2001::"), 23), // IETF protocol assignments (Teredo, ORCHID…)
        (IPAddress.Parse("fc00::"), 7), // unique local, incl. fd00:ec2::254
        (IPAddress.Parse("fe80::"), 10), // link-local
        (IPAddress.Parse("fec0::"), 10), // site-local (deprecated)
        (IPAddress.Parse("ff00::"), 8), // multicast
    ];

    private static readonly IPAddress Nat64 = IPAddress.Parse("64:ff9b::");
    private static readonly IPAddress SixToFour = IPAddress.Parse("2002::");

    /// <summary>Null when <paramref name="address"/> may be connected to, else why not.</summary>
    public static string? Refusal(IPAddress address, bool allowLoopback)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            return Refusal(address.MapToIPv4(), allowLoopback);
        }

        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            if (InRange(address, Nat64, 96))
            {
                return Refusal(new IPAddress(address.GetAddressBytes()[12..]), allowLoopback);
            }

            if (InRange(address, SixToFour, 16))
            {
                return Refusal(new IPAddress(address.GetAddressBytes()[2..6]), allowLoopback);
            }

            if (address.ScopeId != 0)
            {
                return "a scoped IPv6 address";
            }
        }

        if (IPAddress.IsLoopback(address))
        {
            return allowLoopback ? null : "a loopback address";
        }

        var ranges = address.AddressFamily switch
        {
            AddressFamily.InterNetwork => ForbiddenV4,
            AddressFamily.InterNetworkV6 => ForbiddenV6,
            _ => null,
        };
        if (ranges is null)
        {
            return "not an IP address";
        }

        foreach (var (network, prefix) in ranges)
        {
            if (InRange(address, network, prefix))
            {
                return $"in the reserved range {network}/{prefix}";
            }
        }

        return null;
    }

    private static bool InRange(IPAddress address, IPAddress network, int prefix)
    {
        if (address.AddressFamily != network.AddressFamily)
        {
            return false;
        }

        Span<byte> a = stackalloc byte[16];
        Span<byte> n = stackalloc byte[16];
        address.TryWriteBytes(a, out var length);
        network.TryWriteBytes(n, out _);
        for (var bit = 0; bit < prefix && bit < length * 8; bit += 8)
        {
            var bits = Math.Min(8, prefix - bit);
            var mask = (byte)(0xFF << (8 - bits));
            if ((a[bit / 8] & mask) != (n[bit / 8] & mask))
            {
                return false;
            }
        }

        return true;
    }
}
