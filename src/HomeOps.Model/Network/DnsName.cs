using System.Text.RegularExpressions;

namespace HomeOps.Model.Network;

/// <summary>DNS names as Kubernetes and Talos accept them (RFC 1123).</summary>
public static partial class DnsName
{
    [GeneratedRegex(@"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")]
    private static partial Regex LabelPattern();

    /// <summary>One label: lowercase letters, digits and '-', 1-63 characters, no '-' at either end.</summary>
    public static bool IsLabel(string text) => LabelPattern().IsMatch(text);

    /// <summary>
    /// A domain of at least two labels, at most 253 characters, whose last label is not all digits
    /// (so an IPv4 address is not mistaken for a domain).
    /// </summary>
    public static bool IsDomain(string text)
    {
        if (text.Length > 253) return false;
        var labels = text.Split('.');
        return labels.Length >= 2 && labels.All(IsLabel) && !labels[^1].All(char.IsAsciiDigit);
    }
}
