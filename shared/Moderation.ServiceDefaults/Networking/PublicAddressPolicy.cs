using System.Net;
using System.Net.Sockets;

namespace Moderation.ServiceDefaults.Networking;

/// <summary>Where an address leads, as far as an outbound connection chosen by a client is concerned.</summary>
public enum AddressReach
{
    /// <summary>Globally reachable unicast.</summary>
    Public,

    /// <summary>127.0.0.0/8 and ::1: this machine.</summary>
    Loopback,

    /// <summary>RFC 1918, shared address space (CGNAT) and IPv6 unique-local: someone's internal network.</summary>
    Private,

    /// <summary>Everything else that is not globally reachable unicast: never connected to.</summary>
    Forbidden,
}

/// <summary>The reach of an address and the registered range that decided it (empty for public addresses).</summary>
public readonly record struct AddressClassification(AddressReach Reach, string Range);

/// <summary>
/// The one rule for outbound connections to client-chosen hosts (ingest's URL fetches, results' callbacks): public
/// unicast only, after the IANA IPv4 and IPv6 special-purpose address registries. IPv4 addresses embedded in IPv6
/// (mapped, IPv4-compatible, SIIT, NAT64, 6to4, Teredo) are unwrapped first and judged by the IPv4 address they lead
/// to; the deprecated or local-use wrappers (IPv4-compatible, SIIT, local-use NAT64, Teredo) are refused whatever they
/// carry. Outside the registries, IPv6 must be global unicast (2000::/3), so unassigned space is refused too.
/// Ranges a registry marks globally reachable inside a larger refused block (e.g. anycast in 192.0.0.0/24 and
/// 2001::/23) are refused with the block: no callback or media server lives there.
/// </summary>
public static class PublicAddressPolicy
{
    private static readonly Range[] V4 =
    [
        new("0.0.0.0/8", "this network", AddressReach.Forbidden),
        new("10.0.0.0/8", "private-use", AddressReach.Private),
        new("100.64.0.0/10", "shared address space (CGNAT)", AddressReach.Private),
        new("127.0.0.0/8", "loopback", AddressReach.Loopback),
        new("169.254.0.0/16", "link-local (cloud metadata)", AddressReach.Forbidden),
        new("172.16.0.0/12", "private-use", AddressReach.Private),
        new("192.0.0.0/24", "IETF protocol assignments", AddressReach.Forbidden),
        new("192.0.2.0/24", "documentation (TEST-NET-1)", AddressReach.Forbidden),
        new("192.88.99.0/24", "6to4 relay anycast (deprecated)", AddressReach.Forbidden),
        new("192.168.0.0/16", "private-use", AddressReach.Private),
        new("198.18.0.0/15", "benchmarking", AddressReach.Forbidden),
        new("198.51.100.0/24", "documentation (TEST-NET-2)", AddressReach.Forbidden),
        new("203.0.113.0/24", "documentation (TEST-NET-3)", AddressReach.Forbidden),
        new("224.0.0.0/4", "multicast", AddressReach.Forbidden),
        new("240.0.0.0/4", "reserved", AddressReach.Forbidden),
        new("255.255.255.255/32", "limited broadcast", AddressReach.Forbidden),
    ];

    private static readonly Range[] V6 =
    [
        new("::/128", "unspecified", AddressReach.Forbidden),
        new("::1/128", "loopback", AddressReach.Loopback),
        new("64:ff9b:1::/48", "local-use IPv4/IPv6 translation", AddressReach.Forbidden),
        new("100::/64", "discard-only", AddressReach.Forbidden),
        new("100:0:0:1::/64", "dummy prefix", AddressReach.Forbidden),
        new("2001::/23", "IETF protocol assignments", AddressReach.Forbidden),
        new("2001:db8::/32", "documentation", AddressReach.Forbidden),
        new("3fff::/20", "documentation", AddressReach.Forbidden),
        new("5f00::/16", "segment routing (SRv6) SIDs", AddressReach.Forbidden),
        new("fc00::/7", "unique-local", AddressReach.Private),
        new("fe80::/10", "link-local", AddressReach.Forbidden),
        new("fec0::/10", "site-local (deprecated)", AddressReach.Forbidden),
        new("ff00::/8", "multicast", AddressReach.Forbidden),
    ];

    private static readonly Range GlobalUnicast = new("2000::/3", "global unicast", AddressReach.Public);

    // IPv6 forms that carry an IPv4 address. Only a mapped address is dialled as the IPv4 address itself, so only it
    // may lead to loopback or a private network when those are allowed; a translated (NAT64) or tunnelled (6to4) one
    // must carry a public address, and the deprecated or local-use wrappers are refused whatever they carry.
    private static readonly (Range Range, int Offset, Embedding Kind)[] Embeddings =
    [
        (new("::ffff:0:0/96", "IPv4-mapped", AddressReach.Public), 12, Embedding.Mapped),
        (new("::ffff:0:0:0/96", "IPv4-translated (SIIT)", AddressReach.Forbidden), 12, Embedding.Refused),
        (new("::/96", "IPv4-compatible (deprecated)", AddressReach.Forbidden), 12, Embedding.Refused),
        (new("64:ff9b::/96", "NAT64", AddressReach.Public), 12, Embedding.PublicOnly),
        (new("2002::/16", "6to4", AddressReach.Public), 2, Embedding.PublicOnly),
        (new("2001::/32", "Teredo", AddressReach.Forbidden), 4, Embedding.Refused),
    ];

    private enum Embedding
    {
        Mapped,
        PublicOnly,
        Refused,
    }

    /// <summary>What <paramref name="address"/> leads to, and which registered range says so.</summary>
    public static AddressClassification Classify(IPAddress address)
    {
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            return Match(address, V4) ?? new AddressClassification(AddressReach.Public, "");
        }

        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return new AddressClassification(AddressReach.Forbidden, "not an IP address");
        }

        if (address.ScopeId != 0)
        {
            return new AddressClassification(AddressReach.Forbidden, "scoped IPv6 address");
        }

        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out _);
        // :: and ::1 sit inside ::/96 but are registered addresses of their own.
        foreach (var (range, offset, kind) in IsUnspecifiedOrLoopback(bytes) ? [] : Embeddings)
        {
            if (!range.Contains(bytes))
            {
                continue;
            }

            var embedded = new IPAddress(bytes.Slice(offset, 4));
            var inner = Classify(embedded);
            var via = inner.Reach == AddressReach.Public ? $"{range.Prefix} {range.Name} of {embedded}" : $"{range.Prefix} {range.Name} of {embedded}, {inner.Range}";
            return (kind, inner.Reach) switch
            {
                (Embedding.Refused, _) => new AddressClassification(AddressReach.Forbidden, via),
                (_, AddressReach.Public) => new AddressClassification(AddressReach.Public, ""),
                (Embedding.Mapped, var reach) => new AddressClassification(reach, via),
                _ => new AddressClassification(AddressReach.Forbidden, via),
            };
        }

        if (Match(bytes, V6) is { } special)
        {
            return special;
        }

        return GlobalUnicast.Contains(bytes)
            ? new AddressClassification(AddressReach.Public, "")
            : new AddressClassification(AddressReach.Forbidden, "outside IPv6 global unicast (2000::/3)");
    }

    /// <summary>Null when a connection to <paramref name="address"/> is allowed, else why not (for logs and problem details).</summary>
    public static string? Refusal(IPAddress address, bool allowLoopback = false, bool allowPrivateNetworks = false)
    {
        var (reach, range) = Classify(address);
        return reach switch
        {
            AddressReach.Public => null,
            AddressReach.Loopback when allowLoopback => null,
            AddressReach.Private when allowPrivateNetworks => null,
            AddressReach.Loopback => $"a loopback address ({range})",
            AddressReach.Private => $"a private address ({range})",
            _ => $"a non-public address ({range})",
        };
    }

    private static bool IsUnspecifiedOrLoopback(ReadOnlySpan<byte> bytes) => bytes[..15].IndexOfAnyExcept((byte)0) < 0 && bytes[15] <= 1;

    private static AddressClassification? Match(IPAddress address, Range[] ranges)
    {
        Span<byte> bytes = stackalloc byte[4];
        address.TryWriteBytes(bytes, out _);
        return Match(bytes, ranges);
    }

    private static AddressClassification? Match(ReadOnlySpan<byte> bytes, Range[] ranges)
    {
        foreach (var range in ranges)
        {
            if (range.Contains(bytes))
            {
                return new AddressClassification(range.Reach, $"{range.Prefix} {range.Name}");
            }
        }

        return null;
    }

    private sealed class Range
    {
        private readonly byte[] _network;
        private readonly int _bits;

        public Range(string prefix, string name, AddressReach reach)
        {
            var slash = prefix.IndexOf('/', StringComparison.Ordinal);
            _network = IPAddress.Parse(prefix[..slash]).GetAddressBytes();
            _bits = int.Parse(prefix[(slash + 1)..], System.Globalization.CultureInfo.InvariantCulture);
            Prefix = prefix;
            Name = name;
            Reach = reach;
        }

        public string Prefix { get; }

        public string Name { get; }

        public AddressReach Reach { get; }

        public bool Contains(ReadOnlySpan<byte> address)
        {
            if (address.Length != _network.Length)
            {
                return false;
            }

            for (var bit = 0; bit < _bits; bit += 8)
            {
                var mask = (byte)(0xFF << (8 - Math.Min(8, _bits - bit)));
                if ((address[bit / 8] & mask) != (_network[bit / 8] & mask))
                {
                    return false;
                }
            }

            return true;
        }
    }
}
