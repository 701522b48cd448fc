using System.Net;
using System.Net.Sockets;

namespace HomeOps.Model.Network;

/// <summary>IP network helpers on top of <see cref="IPNetwork"/>: parsing host/prefix forms and overlap.</summary>
public static class Cidr
{
    /// <summary>
    /// Parses "10.0.0.0/8". Host bits set ("fd00::2000/64") are refused: tools disagree on whether
    /// to mask them silently, and the masked network is rarely what the operator meant.
    /// </summary>
    public static bool TryParseNetwork(string text, out IPNetwork network)
    {
        network = default;
        var slash = text.IndexOf('/');
        if (slash < 0 || !TryParseInterface(text, out var address, out var masked)) return false;
        network = masked;
        return address.Equals(masked.BaseAddress);
    }

    /// <summary>Go's net.ParseIP forms only: dotted-quad IPv4 or IPv6 (no "10", "0x0a.0.0.1", "010.0.0.1").</summary>
    public static bool TryParseAddress(string text, out IPAddress address) =>
        IPAddress.TryParse(text, out address!) && (address.AddressFamily != AddressFamily.InterNetwork || address.ToString() == text);

    /// <summary>Parses an interface address "172.29.51.11/24" into the address and its network.</summary>
    public static bool TryParseInterface(string text, out IPAddress address, out IPNetwork network)
    {
        address = IPAddress.None;
        network = default;
        var slash = text.IndexOf('/');
        if (slash < 0 || !TryParseAddress(text[..slash], out var parsed) || !int.TryParse(text[(slash + 1)..], out var prefix)) return false;
        var max = parsed.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
        if (prefix < 0 || prefix > max) return false;
        address = parsed;
        network = new IPNetwork(Mask(parsed, prefix), prefix);
        return true;
    }

    public static bool Overlaps(IPNetwork a, IPNetwork b) =>
        a.BaseAddress.AddressFamily == b.BaseAddress.AddressFamily && (a.Contains(b.BaseAddress) || b.Contains(a.BaseAddress));

    public static bool IsV6(IPNetwork network) => network.BaseAddress.AddressFamily == AddressFamily.InterNetworkV6;

    public static IPAddress Mask(IPAddress address, int prefix)
    {
        var bytes = address.GetAddressBytes();
        for (var i = 0; i < bytes.Length; i++)
        {
            var bits = Math.Clamp(prefix - i * 8, 0, 8);
            bytes[i] &= (byte)(0xFF << (8 - bits));
        }
        return new IPAddress(bytes);
    }
}
