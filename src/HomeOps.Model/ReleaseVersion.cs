using System.Text.RegularExpressions;

namespace HomeOps.Model;

/// <summary>
/// A Talos or Kubernetes release, "v1.10.5", optionally a pre-release ("v1.12.0-beta.1"). Ordering is semver's:
/// the core triple first, then a pre-release sorts before its release (Talos' own compatibility checks compare the
/// triple only: pkg/machinery/compatibility/talos_version.go, kubernetes_version.go).
/// </summary>
public sealed partial record ReleaseVersion(int Major, int Minor, int Patch) : IComparable<ReleaseVersion>
{
    /// <summary>The pre-release identifiers after '-', e.g. "beta.1"; null for a release.</summary>
    public string? PreRelease { get; init; }

    public int CompareTo(ReleaseVersion? other)
    {
        if (other is null) return 1;
        var core = (Major, Minor, Patch).CompareTo((other.Major, other.Minor, other.Patch));
        if (core != 0) return core;
        return (PreRelease, other.PreRelease) switch
        {
            (null, null) => 0,
            (null, _) => 1,
            (_, null) => -1,
            var (a, b) => ComparePreRelease(a, b),
        };
    }

    /// <summary>semver §11: dot-separated identifiers, numeric ones numerically and before alphanumeric ones.</summary>
    private static int ComparePreRelease(string a, string b)
    {
        var x = a.Split('.');
        var y = b.Split('.');
        for (var i = 0; i < Math.Min(x.Length, y.Length); i++)
        {
            var xn = long.TryParse(x[i], out var xv);
            var yn = long.TryParse(y[i], out var yv);
            var c = (xn, yn) switch
            {
                (true, true) => xv.CompareTo(yv),
                (true, false) => -1,
                (false, true) => 1,
                _ => string.CompareOrdinal(x[i], y[i]),
            };
            if (c != 0) return c;
        }
        return x.Length.CompareTo(y.Length);
    }

    /// <summary>Same major.minor.patch, ignoring any pre-release (how Talos compares versions).</summary>
    public bool SameCore(ReleaseVersion other) => (Major, Minor, Patch) == (other.Major, other.Minor, other.Patch);

    public static bool operator <(ReleaseVersion a, ReleaseVersion b) => a.CompareTo(b) < 0;
    public static bool operator >(ReleaseVersion a, ReleaseVersion b) => a.CompareTo(b) > 0;
    public static bool operator <=(ReleaseVersion a, ReleaseVersion b) => a.CompareTo(b) <= 0;
    public static bool operator >=(ReleaseVersion a, ReleaseVersion b) => a.CompareTo(b) >= 0;

    [GeneratedRegex(@"^v?(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$")]
    private static partial Regex Pattern();

    public static bool TryParse(string? text, out ReleaseVersion version)
    {
        version = new ReleaseVersion(0, 0, 0);
        var match = text is null ? null : Pattern().Match(text);
        if (match is not { Success: true }) return false;
        if (!int.TryParse(match.Groups[1].Value, out var major) || !int.TryParse(match.Groups[2].Value, out var minor)
            || !int.TryParse(match.Groups[3].Value, out var patch)) return false;
        version = new ReleaseVersion(major, minor, patch) { PreRelease = match.Groups[4].Success ? match.Groups[4].Value : null };
        return true;
    }

    /// <summary>"v1.10", the schema and feature-contract line.</summary>
    public string Line => $"v{Major}.{Minor}";

    public override string ToString() => $"v{Major}.{Minor}.{Patch}{(PreRelease is null ? "" : "-" + PreRelease)}";
}
