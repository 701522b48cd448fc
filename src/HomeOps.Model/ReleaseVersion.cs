using System.Text.RegularExpressions;

namespace HomeOps.Model;

/// <summary>A Talos or Kubernetes release, "v1.10.5".</summary>
public sealed partial record ReleaseVersion(int Major, int Minor, int Patch) : IComparable<ReleaseVersion>
{
    public int CompareTo(ReleaseVersion? other) =>
        other is null ? 1 : (Major, Minor, Patch).CompareTo((other.Major, other.Minor, other.Patch));

    public static bool operator <(ReleaseVersion a, ReleaseVersion b) => a.CompareTo(b) < 0;
    public static bool operator >(ReleaseVersion a, ReleaseVersion b) => a.CompareTo(b) > 0;
    public static bool operator <=(ReleaseVersion a, ReleaseVersion b) => a.CompareTo(b) <= 0;
    public static bool operator >=(ReleaseVersion a, ReleaseVersion b) => a.CompareTo(b) >= 0;

    [GeneratedRegex(@"^v?(\d+)\.(\d+)\.(\d+)$")]
    private static partial Regex Pattern();

    public static bool TryParse(string? text, out ReleaseVersion version)
    {
        version = new ReleaseVersion(0, 0, 0);
        var match = text is null ? null : Pattern().Match(text);
        if (match is not { Success: true }) return false;
        if (!int.TryParse(match.Groups[1].Value, out var major) || !int.TryParse(match.Groups[2].Value, out var minor)
            || !int.TryParse(match.Groups[3].Value, out var patch)) return false;
        version = new ReleaseVersion(major, minor, patch);
        return true;
    }

    /// <summary>"v1.10", the schema and feature-contract line.</summary>
    public string Line => $"v{Major}.{Minor}";

    public override string ToString() => $"v{Major}.{Minor}.{Patch}";
}
