using System.Globalization;
using System.Text.Json.Nodes;
using HomeOps.Model;

namespace HomeOps.Validate.Rules.Schema;

/// <summary>
/// Which API versions and kinds a Kubernetes release serves by default (kubernetes-apis.json, with its
/// sources). A release outside the table is judged by its nearest row.
/// </summary>
public sealed class ServedApis
{
    private readonly Dictionary<string, (int Since, int Until)> _groupVersions = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _kindsSince = new(StringComparer.Ordinal);

    public static ServedApis Table { get; } = Load();

    /// <summary>Oldest and newest minor of the table (1.x).</summary>
    public int Oldest { get; private init; }

    public int Newest { get; private init; }

    /// <summary>API groups that belong to Kubernetes itself (their kinds have no CRD schema).</summary>
    public IReadOnlySet<string> KubernetesGroups { get; private init; } = new HashSet<string>();

    /// <summary>The minor the table judges <paramref name="version"/> by.</summary>
    public int RowFor(ReleaseVersion version) => Math.Clamp(version.Minor, Oldest, Newest);

    public bool IsServed(string apiVersion, string kind, int minor) =>
        _groupVersions.TryGetValue(apiVersion, out var range) && range.Since <= minor && minor <= range.Until
        && (!_kindsSince.TryGetValue($"{apiVersion}/{kind}", out var since) || since <= minor);

    /// <summary>True when the table names this kind of the group/version itself (a kind added to a version after the version).</summary>
    public bool ListsKind(string apiVersion, string kind) => _kindsSince.ContainsKey($"{apiVersion}/{kind}");

    public bool IsServedGroupVersion(string apiVersion, int minor) =>
        _groupVersions.TryGetValue(apiVersion, out var range) && range.Since <= minor && minor <= range.Until;

    private static ServedApis Load()
    {
        using var stream = typeof(ServedApis).Assembly.GetManifestResourceStream("HomeOps.Validate.Rules.Schema.kubernetes-apis.json")
                           ?? throw new InvalidOperationException("kubernetes-apis.json is not embedded");
        var data = JsonNode.Parse(stream)!.AsObject();
        static int Minor(JsonNode? text, int fallback) => text is null ? fallback : int.Parse(((string)text!).Split('.')[1], CultureInfo.InvariantCulture);
        var table = new ServedApis
        {
            Oldest = Minor(data["oldest"], 0),
            Newest = Minor(data["newest"], 0),
            KubernetesGroups = data["kubernetesGroups"]!.AsArray().Select(g => (string)g!).ToHashSet(StringComparer.Ordinal),
        };
        foreach (var (apiVersion, range) in data["groupVersions"]!.AsObject())
            table._groupVersions[apiVersion] = (Minor(range?["since"], 0), Minor(range?["until"], int.MaxValue));
        foreach (var (kind, range) in data["kinds"]!.AsObject())
            table._kindsSince[kind] = Minor(range?["since"], 0);
        return table;
    }
}
