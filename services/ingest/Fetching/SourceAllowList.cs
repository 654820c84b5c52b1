using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Moderation.ServiceDefaults.Networking;

namespace Moderation.Ingest.Fetching;

/// <summary>
/// One allow-list entry in canonical form: a host name (exact, case-insensitive; no wildcards) or an address range.
/// </summary>
public sealed record SourceRule
{
    private readonly byte[]? _network;

    private SourceRule(string text, string? host, byte[]? network, int prefixLength)
    {
        Text = text;
        Host = host;
        _network = network;
        PrefixLength = prefixLength;
    }

    /// <summary>The canonical text stored and shown: <c>wiki.internal</c> or <c>10.20.0.0/16</c>.</summary>
    public string Text { get; }

    /// <summary>The host name this rule names, or null for an address range.</summary>
    public string? Host { get; }

    public int PrefixLength { get; }

    /// <summary>
    /// Parses an administrator's entry. Accepted: a DNS host name, an IP address (a range of one) or a CIDR range whose
    /// addresses are loopback or private (RFC 1918, CGNAT, unique-local IPv6). Public addresses need no entry, and the
    /// ranges that are never connected to (link-local and cloud metadata, multicast, reserved, documentation …) cannot be
    /// opened, so such entries are refused with a reason rather than stored to no effect.
    /// </summary>
    public static bool TryParse(string? value, [NotNullWhen(true)] out SourceRule? rule, [NotNullWhen(false)] out string? error)
    {
        rule = null;
        var text = value?.Trim() ?? "";
        if (text.Length is 0 or > 253)
        {
            error = "A source is a host name, an IP address or a CIDR range (1–253 characters).";
            return false;
        }

        var slash = text.IndexOf('/', StringComparison.Ordinal);
        var addressText = slash < 0 ? text : text[..slash];
        if (!IPAddress.TryParse(addressText.Trim('[', ']'), out var address) || !LooksLikeAddress(addressText))
        {
            if (slash >= 0 || Uri.CheckHostName(text) != UriHostNameType.Dns)
            {
                error = $"'{text}' is neither a host name, an IP address nor a CIDR range.";
                return false;
            }

            var host = new IdnMapping().GetAscii(text.TrimEnd('.')).ToLowerInvariant();
            rule = new SourceRule(host, host, null, 0);
            error = null;
            return true;
        }

        address = Unwrap(address);
        var bits = address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
        var prefix = bits;
        if (slash >= 0 && (!int.TryParse(text[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out prefix) || prefix > bits))
        {
            error = $"'{text}': the prefix length must be 0–{bits}.";
            return false;
        }

        var network = Mask(address.GetAddressBytes(), prefix);
        var networkAddress = new IPAddress(network);
        var last = LastAddress(network, prefix);
        // Both ends of the range must lie on this machine or a private network: 10.0.0.0/7 would also open public 11/8.
        foreach (var end in new[] { networkAddress, last })
        {
            var reach = PublicAddressPolicy.Classify(end);
            if (reach.Reach is AddressReach.Public or AddressReach.Forbidden
                || PublicAddressPolicy.Classify(networkAddress).Range != reach.Range)
            {
                error = reach.Reach == AddressReach.Public
                    ? $"'{text}' covers public addresses, which are fetched without an entry; only loopback and private ranges can be allowed."
                    : $"'{text}' covers {end}, {(reach.Range.Length > 0 ? reach.Range : "another range")}, which is never fetched from; only loopback and private ranges (within one registered block) can be allowed.";
                return false;
            }
        }

        rule = new SourceRule($"{networkAddress}/{prefix}", null, network, prefix);
        error = null;
        return true;
    }

    /// <summary>Parses a stored entry (validated when it was added).</summary>
    public static SourceRule Parse(string value) =>
        TryParse(value, out var rule, out var error) ? rule : throw new FormatException(error);

    /// <summary>Whether the hop to <paramref name="host"/>, resolved to <paramref name="address"/>, is what this rule opens.</summary>
    public bool Matches(string host, IPAddress address)
    {
        if (Host is not null)
        {
            return string.Equals(Host, host.TrimEnd('.'), StringComparison.OrdinalIgnoreCase);
        }

        var bytes = Unwrap(address).GetAddressBytes();
        return bytes.Length == _network!.Length && Mask(bytes, PrefixLength).AsSpan().SequenceEqual(_network);
    }

    private static bool LooksLikeAddress(string text) =>
        text.Contains(':', StringComparison.Ordinal) || text.All(c => char.IsAsciiDigit(c) || c == '.');

    private static IPAddress Unwrap(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

    private static byte[] Mask(byte[] address, int prefix)
    {
        var masked = (byte[])address.Clone();
        for (var i = 0; i < masked.Length; i++)
        {
            var keep = Math.Clamp(prefix - (i * 8), 0, 8);
            masked[i] &= (byte)(0xFF << (8 - keep));
        }

        return masked;
    }

    private static IPAddress LastAddress(byte[] network, int prefix)
    {
        var last = (byte[])network.Clone();
        for (var i = 0; i < last.Length; i++)
        {
            var keep = Math.Clamp(prefix - (i * 8), 0, 8);
            last[i] |= (byte)(0xFF >> keep);
        }

        return new IPAddress(last);
    }
}

/// <summary>
/// The sources one client's URLs may be fetched from beyond the public internet. The SSRF guard consults it for an
/// address it would refuse: a loopback or private address passes only when a rule names the URL's host or a range
/// holding the address; every other refused range (link-local and cloud metadata, multicast, reserved …) stays refused
/// whatever the list says.
/// </summary>
public sealed class SourceAllowList
{
    public static readonly SourceAllowList Empty = new("", []);

    public SourceAllowList(string clientId, IReadOnlyList<SourceRule> rules)
    {
        ClientId = clientId;
        Rules = rules;
    }

    public string ClientId { get; }

    public IReadOnlyList<SourceRule> Rules { get; }

    /// <summary>The rule that lets a hop to <paramref name="host"/> connect to <paramref name="address"/>, or null.</summary>
    public SourceRule? Opening(string host, IPAddress address) =>
        PublicAddressPolicy.Classify(address).Reach is AddressReach.Loopback or AddressReach.Private
            ? Rules.FirstOrDefault(r => r.Matches(host, address))
            : null;
}
