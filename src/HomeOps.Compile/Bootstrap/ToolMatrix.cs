using HomeOps.Model;
using HomeOps.Model.Bootstrap;
using HomeOps.Model.Yaml;

namespace HomeOps.Compile.Bootstrap;

/// <summary>A row of a tool's matrix: for component versions <see cref="When"/> (null: any), the tool versions <see cref="Use"/>.</summary>
public sealed record ToolRow(VersionRange? When, IReadOnlyList<VersionRange> Use, SourceLocation At);

/// <summary>
/// One tool of bootstrap-config.yaml's version matrix, parsed: the component it depends on (null: none) and its rows.
/// </summary>
public sealed record ToolPolicy(string Name, string? Against, IReadOnlyList<ToolRow> Rows, SourceLocation At)
{
    /// <summary>The components a tool's versions may depend on (the versions the repository pins).</summary>
    public static readonly IReadOnlyDictionary<string, string> Components = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["talos"] = "Talos",           // talconfig.yaml talosVersion
        ["kubernetes"] = "Kubernetes", // talconfig.yaml kubernetesVersion
        ["flux"] = "Flux",             // bootstrap-config.yaml flux.version
        ["cilium"] = "Cilium",         // the chart version the cilium phase installs (infrastructure/cilium/helmrelease.yaml)
    };

    /// <summary>The row for <paramref name="component"/> (ignored when the tool depends on none); null when the matrix has none.</summary>
    public ToolRow? RowFor(ReleaseVersion? component) =>
        Rows.FirstOrDefault(r => r.When is null || (component is not null && r.When.Contains(component)));

    /// <summary>The tool versions of a row as one phrase: "v1.10.x or v1.11.x".</summary>
    public static string Describe(ToolRow row) => string.Join(" or ", row.Use.Select(u => u.ToString()));

    /// <summary>
    /// The version to tell the operator to install: the component's own version when the row accepts it (talosctl for
    /// Talos v1.10.5 is v1.10.5), else the highest exact version of the row, else the row's first range as written.
    /// </summary>
    public static string VersionToInstall(ToolRow row, ReleaseVersion? component) =>
        component is not null && row.Use.Any(u => u.Contains(component)) ? component.ToString()
        : row.Use.Select(u => u.Exact).OfType<ReleaseVersion>().Max()?.ToString()
        ?? (row.Use[^1].ToString().EndsWith(".x", StringComparison.Ordinal) ? $"{row.Use[^1]} (its latest patch)" : $"(a version {row.Use[^1]})");

    /// <summary>Parses the `tools:` list; every unparsable entry is an error with its line.</summary>
    public static IReadOnlyList<ToolPolicy> From(IEnumerable<ToolRequirement> tools, FindingBag findings)
    {
        var result = new List<ToolPolicy>();
        foreach (var tool in tools)
        {
            if (result.Any(t => t.Name == tool.Name))
                findings.Add(Finding.Error("bootstrap/config", tool.LocationOf("name"), $"tool '{tool.Name}' is listed twice", "list each tool once, with one row per component version"));
            if (tool.Against is { } against && !Components.ContainsKey(against))
                findings.Add(Finding.Error("bootstrap/config", tool.LocationOf("against"), $"tools: '{tool.Name}' is against '{against}', which is not a pinned component",
                    Suggest.Nearest(against, Components.Keys) is { } near ? $"did you mean '{near}'? (one of {string.Join(", ", Components.Keys)})" : $"one of {string.Join(", ", Components.Keys)}"));
            var rows = new List<ToolRow>();
            foreach (var row in tool.Supported)
            {
                VersionRange? when = null;
                if (row.When is { } text && !VersionRange.TryParse(text, out when))
                    findings.Add(Finding.Error("bootstrap/config", row.LocationOf("when"), $"tools: '{tool.Name}' when '{text}' is not a version, a line or a range",
                        "write v1.10 (a line), v2.6.4 (one version) or \">=v2.30.0 <v3.0.0\" (a range)"));
                var use = new List<VersionRange>();
                foreach (var text2 in row.Use)
                {
                    if (VersionRange.TryParse(text2, out var range)) use.Add(range);
                    else findings.Add(Finding.Error("bootstrap/config", row.LocationOf("use"), $"tools: '{tool.Name}' use '{text2}' is not a version, a line or a range",
                        "write v1.10 (a line), v2.6.4 (one version) or \">=v2.30.0 <v3.0.0\" (a range)"));
                }
                if (row.Use.Count == 0)
                    findings.Add(Finding.Error("bootstrap/config", row.Location, $"tools: a row of '{tool.Name}' lists no tool version under use"));
                if (tool.Against is null && row.When is not null)
                    findings.Add(Finding.Error("bootstrap/config", row.LocationOf("when"), $"tools: '{tool.Name}' has a when but no against",
                        $"say which component the row depends on with against: ({string.Join(", ", Components.Keys)})"));
                rows.Add(new ToolRow(when, use, row.Location));
            }
            if (tool.Supported.Count == 0)
                findings.Add(Finding.Error("bootstrap/config", tool.LocationOf("supported"), $"tools: '{tool.Name}' has no supported row"));
            result.Add(new ToolPolicy(tool.Name, tool.Against, rows, tool.Location));
        }
        return result;
    }
}
