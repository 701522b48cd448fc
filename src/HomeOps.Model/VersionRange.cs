using System.Text.RegularExpressions;

namespace HomeOps.Model;

/// <summary>
/// A set of release versions as bootstrap-config.yaml writes them: a line ("v1.10": every v1.10.x), one version ("v2.6.4"),
/// or comparators joined by spaces (">=v2.30.0 &lt;v3.0.0"; operators &gt;=, &gt;, &lt;=, &lt;, =). The leading v is optional.
/// </summary>
public sealed partial class VersionRange
{
    private readonly List<(string Operator, ReleaseVersion Version)> _comparators;
    private readonly (int Major, int Minor)? _line;

    private VersionRange(string text, (int, int)? line, List<(string, ReleaseVersion)> comparators) =>
        (Text, _line, _comparators) = (text, line, comparators);

    /// <summary>As written.</summary>
    public string Text { get; }

    /// <summary>The one version this range is, when it is exactly one ("v2.6.4" or "=v2.6.4").</summary>
    public ReleaseVersion? Exact => _line is null && _comparators is [("=", var v)] ? v : null;

    [GeneratedRegex(@"^v?(\d+)\.(\d+)$")]
    private static partial Regex Line();

    [GeneratedRegex(@"^(>=|<=|>|<|=)?(v?\d+\.\d+\.\d+)$")]
    private static partial Regex Comparator();

    public static bool TryParse(string? text, out VersionRange range)
    {
        range = new VersionRange("", null, []);
        if (string.IsNullOrWhiteSpace(text)) return false;
        text = text.Trim();
        if (Line().Match(text) is { Success: true } line && int.TryParse(line.Groups[1].Value, out var major) && int.TryParse(line.Groups[2].Value, out var minor))
        {
            range = new VersionRange(text, (major, minor), []);
            return true;
        }
        var comparators = new List<(string, ReleaseVersion)>();
        foreach (var part in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var match = Comparator().Match(part);
            if (!match.Success || !ReleaseVersion.TryParse(match.Groups[2].Value, out var version)) return false;
            comparators.Add((match.Groups[1].Value is { Length: > 0 } op ? op : "=", version));
        }
        range = new VersionRange(text, null, comparators);
        return true;
    }

    public bool Contains(ReleaseVersion version) =>
        _line is { } line ? (version.Major, version.Minor) == line : _comparators.All(c => c.Operator switch
        {
            ">=" => version >= c.Version,
            ">" => version > c.Version,
            "<=" => version <= c.Version,
            "<" => version < c.Version,
            _ => version == c.Version,
        });

    /// <summary>For messages: "v1.10.x", "v2.6.4", ">=v2.30.0 &lt;v3.0.0".</summary>
    public override string ToString() => _line is { } line ? $"v{line.Major}.{line.Minor}.x" : Exact?.ToString() ?? Text;
}
