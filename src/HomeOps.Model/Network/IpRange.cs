using System.Net;
using System.Net.Sockets;

namespace HomeOps.Model.Network;

/// <summary>
/// An inclusive address range of one family. LB-IPAM blocks are start/stop ranges that need not be
/// CIDR-aligned, so overlap is decided on ranges rather than on <see cref="IPNetwork"/>.
/// </summary>
public readonly record struct IpRange(IPAddress First, IPAddress Last)
{
    public bool IsV6 => First.AddressFamily == AddressFamily.InterNetworkV6;

    public string Family => IsV6 ? "IPv6" : "IPv4";

    public static IpRange Of(IPNetwork network) => new(network.BaseAddress, LastOf(network));

    public static IpRange OneAddress(IPAddress address) => new(address, address);

    /// <summary>Parses "10.0.0.0/24" (host bits refused, as <see cref="Cidr.TryParseNetwork"/>) or "10.0.0.5-10.0.0.9".</summary>
    public static bool TryParse(string text, out IpRange range)
    {
        range = default;
        if (Cidr.TryParseNetwork(text, out var network)) { range = Of(network); return true; }
        var dash = text.IndexOf('-');
        return dash > 0 && TryRange(text[..dash].Trim(), text[(dash + 1)..].Trim(), out range);
    }

    /// <summary>A start/stop pair of one family with start ≤ stop; an empty stop means the single start address (Cilium's rule).</summary>
    public static bool TryRange(string start, string? stop, out IpRange range)
    {
        range = default;
        if (!Cidr.TryParseAddress(start, out var first)) return false;
        var last = first;
        if (!string.IsNullOrEmpty(stop) && (!Cidr.TryParseAddress(stop, out last) || last.AddressFamily != first.AddressFamily)) return false;
        if (Compare(first, last) > 0) return false;
        range = new IpRange(first, last);
        return true;
    }

    public bool Contains(IPAddress address) =>
        address.AddressFamily == First.AddressFamily && Compare(First, address) <= 0 && Compare(address, Last) <= 0;

    /// <summary>How many addresses the range holds.</summary>
    public UInt128 Size => Value(Last) - Value(First) + 1;

    public bool Contains(IpRange other) => Contains(other.First) && Contains(other.Last);

    public bool Overlaps(IpRange other) =>
        other.First.AddressFamily == First.AddressFamily && Compare(First, other.Last) <= 0 && Compare(other.First, Last) <= 0;

    /// <summary>The longest prefix holding every range given (all of one family): what a router would have to route to reach them all.</summary>
    public static IPNetwork Covering(IEnumerable<IpRange> ranges)
    {
        var list = ranges.ToList();
        var low = list.Select(r => r.First).MinBy(Value)!;
        var high = list.Select(r => r.Last).MaxBy(Value)!;
        var bits = low.AddressFamily == AddressFamily.InterNetworkV6 ? 128 : 32;
        var prefix = bits;
        while (prefix > 0 && !Cidr.Mask(low, prefix).Equals(Cidr.Mask(high, prefix))) prefix--;
        return new IPNetwork(Cidr.Mask(low, prefix), prefix);
    }

    public override string ToString()
    {
        if (First.Equals(Last)) return First.ToString();
        var bits = IsV6 ? 128 : 32;
        for (var prefix = 0; prefix <= bits; prefix++)
            if (Cidr.Mask(First, prefix).Equals(First) && Equals(Of(new IPNetwork(First, prefix)))) return $"{First}/{prefix}";
        return $"{First}-{Last}";
    }

    private static IPAddress LastOf(IPNetwork network)
    {
        var bytes = network.BaseAddress.GetAddressBytes();
        for (var i = 0; i < bytes.Length; i++)
        {
            var hostBits = Math.Clamp((i + 1) * 8 - network.PrefixLength, 0, 8);
            bytes[i] |= (byte)((1 << hostBits) - 1);
        }
        return new IPAddress(bytes);
    }

    private static UInt128 Value(IPAddress address) =>
        address.GetAddressBytes().Aggregate(UInt128.Zero, (acc, b) => (acc << 8) | b);

    private static int Compare(IPAddress a, IPAddress b) => Value(a).CompareTo(Value(b));

    /// <summary>Numeric order of addresses of one family.</summary>
    public static readonly IComparer<IPAddress> AddressOrder = Comparer<IPAddress>.Create(Compare);
}
