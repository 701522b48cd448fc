using System.Reflection;
using System.Text.Json.Nodes;
using HomeOps.Model;
using HomeOps.Model.Yaml;

namespace HomeOps.Compile.Talos.Lines;

/// <summary>
/// Every Talos line homeops knows, from the data files embedded in this assembly (Talos/Lines/vX.Y.yaml). A version picks
/// its line as Talos' ParseContractFromVersion does: major.minor, anything after ignored (pre-releases included).
/// </summary>
public static class TalosLines
{
    /// <summary>Where the line files live in the source tree, for messages that say which file to add.</summary>
    public const string SourceDirectory = "src/HomeOps.Compile/Talos/Lines";

    /// <summary>The contract gates the generator reads; every line file must define each one.</summary>
    public static readonly IReadOnlyList<string> RequiredGates =
    [
        "MultidocNetworkConfigSupported", "PopulateClusterSANsFromEndpoint", "GrubUseUKICmdlineDefault",
        "MultidocKubernetesConfigSupported", "SecretboxEncryptionSupported", "VolumeConfigEncryptionSupported", "KubeSpanMultidocConfig",
    ];

    private static readonly Lazy<IReadOnlyList<TalosLine>> Loaded = new(() => Load(typeof(TalosLines).Assembly));

    /// <summary>The known lines, oldest first.</summary>
    public static IReadOnlyList<TalosLine> All => Loaded.Value;

    public static TalosLine Oldest => All[0];

    public static TalosLine Newest => All[^1];

    /// <summary>The line of <paramref name="version"/>, or null with what to do in <paramref name="problem"/>.</summary>
    public static TalosLine? For(ReleaseVersion version, out string? problem)
    {
        problem = null;
        var line = All.FirstOrDefault(l => l.Major == version.Major && l.Minor == version.Minor);
        if (line is not null) return line;
        var known = $"{Oldest.Name} to {Newest.Name}";
        problem = (version.Major, version.Minor).CompareTo((Newest.Major, Newest.Minor)) > 0
            ? $"Talos {version} is newer than every line homeops has a contract for ({known}); add {SourceDirectory}/{version.Line}.yaml " +
              $"(copy {Newest.Name}.yaml and update it from siderolabs/talos at {version.Line}.x, see README.md there) and talos/{version.Line}/config.schema.json for the schema check"
            : $"Talos {version} is older than every line homeops has a contract for ({known}); upgrade the cluster to {Oldest.Name} with talhelper first, or pin talosVersion to {Oldest.SourceTag}";
        return null;
    }

    internal static IReadOnlyList<TalosLine> Load(Assembly assembly)
    {
        var lines = new List<TalosLine>();
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith("talos-lines/v", StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var reader = new StreamReader(stream);
            lines.Add(Parse(resource["talos-lines/".Length..], reader.ReadToEnd()));
        }
        if (lines.Count == 0) throw new InvalidOperationException("no Talos line data is embedded (Talos/Lines/v*.yaml)");
        return lines.OrderBy(l => (l.Major, l.Minor)).ToList();
    }

    /// <summary>Reads one line file; throws <see cref="FormatException"/> naming the file and the field when it is incomplete.</summary>
    public static TalosLine Parse(string file, string text)
    {
        var findings = new FindingBag();
        var documents = YamlDocuments.Parse(text, file, findings);
        if (findings.HasErrors || documents.Count != 1 || YamlJson.ToJson(documents[0].RootNode) is not JsonObject root)
            throw new FormatException($"{file}: not one YAML mapping ({string.Join("; ", findings.Sorted())})");

        string Text(JsonNode? node, string path) =>
            node is JsonValue v && v.TryGetValue<string>(out var s) ? s : throw new FormatException($"{file}: {path} must be a string");
        ReleaseVersion Version(JsonNode? node, string path) =>
            ReleaseVersion.TryParse(Text(node, path), out var version) ? version : throw new FormatException($"{file}: {path} is not a version");
        JsonObject Object(JsonNode? node, string path) => node as JsonObject ?? throw new FormatException($"{file}: {path} must be a mapping");

        if (Text(root["format"], "format") != "homeops.talos-line/v1") throw new FormatException($"{file}: format must be homeops.talos-line/v1");
        var line = Text(root["line"], "line");
        if (!ReleaseVersion.TryParse(line + ".0", out var lineVersion) || $"{lineVersion.Line}.yaml" != file)
            throw new FormatException($"{file}: line '{line}' must be the file's name (vMAJOR.MINOR)");
        var sourceTag = Version(root["sourceTag"], "sourceTag");
        if (sourceTag.Line != lineVersion.Line) throw new FormatException($"{file}: sourceTag {sourceTag} is not a {line} release");

        var kubernetes = Object(root["kubernetes"], "kubernetes");
        var support = new KubernetesSupport(Version(kubernetes["default"], "kubernetes.default"), Version(kubernetes["min"], "kubernetes.min"),
            Version(kubernetes["maxExclusive"], "kubernetes.maxExclusive"), kubernetes["runtimeImageTagCheck"]?.GetValue<bool>() ?? false);

        var contract = new Dictionary<string, bool>(StringComparer.Ordinal);
        foreach (var (gate, value) in Object(root["contract"], "contract"))
            contract[gate] = value is JsonValue b && b.TryGetValue<bool>(out var flag) ? flag : throw new FormatException($"{file}: contract.{gate} must be true or false");
        foreach (var gate in RequiredGates)
            if (!contract.ContainsKey(gate)) throw new FormatException($"{file}: contract.{gate} is missing (the generator reads it)");

        var generate = Object(root["generate"], "generate");
        var legacy = new List<LegacyField>();
        foreach (var (item, index) in (root["legacy"] as JsonArray ?? []).Select((n, i) => (n, i)))
        {
            var entry = Object(item, $"legacy[{index}]");
            string? Optional(string key) => entry[key] is null ? null : Text(entry[key], $"legacy[{index}].{key}");
            var field = new LegacyField(Text(entry["path"], $"legacy[{index}].path"), Optional("drop"), Optional("rename"),
                entry["asList"]?.GetValue<bool>() ?? false, Optional("keep"), entry["to"] as JsonObject, entry["when"]?.DeepClone(),
                Optional("error"), Optional("fix"));
            var actions = new object?[] { field.Drop, field.Rename, field.Keep, field.To, field.Error }.Count(a => a is not null);
            if (actions != 1) throw new FormatException($"{file}: legacy[{index}] ({field.Path}) needs exactly one of drop, rename, keep, to, error");
            legacy.Add(field);
        }

        return new TalosLine(file, lineVersion.Major, lineVersion.Minor, sourceTag, Text(root["schema"], "schema"), support,
            Version(Object(root["upgrade"], "upgrade")["fromMinHost"], "upgrade.fromMinHost"), contract,
            Object(generate["controlplane"], "generate.controlplane"), Object(generate["worker"], "generate.worker"),
            (generate["documents"] as JsonArray ?? []).Select((d, i) => Object(d, $"generate.documents[{i}]")).ToList(),
            (root["documentKinds"] as JsonArray ?? []).Select((k, i) => Text(k, $"documentKinds[{i}]")).ToList(),
            legacy,
            (root["checks"] as JsonArray ?? []).Select((c, i) => Text(c, $"checks[{i}]")).ToHashSet(StringComparer.Ordinal),
            (root["schemaErrata"] as JsonArray ?? []).Select((e, i) => Object(e, $"schemaErrata[{i}]"))
                .Select((e, i) => new SchemaErratum(Text(e["definition"], $"schemaErrata[{i}].definition"), Object(e["replace"], $"schemaErrata[{i}].replace"),
                    Text(e["why"], $"schemaErrata[{i}].why")))
                .ToDictionary(e => e.Definition, StringComparer.Ordinal));
    }
}
