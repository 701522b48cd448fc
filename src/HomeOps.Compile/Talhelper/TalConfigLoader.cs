using System.Collections;
using System.Text.RegularExpressions;
using HomeOps.Model;
using HomeOps.Model.Repository;
using HomeOps.Model.Talhelper;
using HomeOps.Model.Yaml;
using YamlDotNet.RepresentationModel;

namespace HomeOps.Compile.Talhelper;

/// <summary>
/// talconfig.yaml → model: variables, substitution, YAML parse, strict binding.
/// <para>Variables (what ${NAME} may name) come from, lowest first: the process environment, but only the names the operator
/// allows in HOMEOPS_ENV_ALLOW (comma- or space-separated; NAME_* allows a prefix); then .env; then talhelper's env files
/// talenv.yaml, talenv.sops.yaml, talenv.yml, talenv.sops.yml (later files win, as talhelper's os.Setenv does). All files are
/// read beside talconfig.yaml. Never the whole environment: a repository cannot make a CI secret appear in its findings.</para>
/// </summary>
public static partial class TalConfigLoader
{
    /// <summary>talhelper's default --env-file list (cmd/genconfig.go).</summary>
    public static readonly IReadOnlyList<string> TalEnvFiles = ["talenv.yaml", "talenv.sops.yaml", "talenv.yml", "talenv.sops.yml"];

    /// <summary>The files variables are read from, lowest precedence first.</summary>
    public static readonly IReadOnlyList<string> VariableFiles = [".env", .. TalEnvFiles];

    /// <summary>The environment variable that lists which process variables talconfig may use.</summary>
    public const string AllowVariable = "HOMEOPS_ENV_ALLOW";

    public static IReadOnlyDictionary<string, string> Variables(ISourceTree tree, string configDirectory, IDictionary environment, FindingBag findings)
    {
        var variables = new Dictionary<string, string>(StringComparer.Ordinal);
        var allowed = (environment[AllowVariable] as string ?? "").Split(Separators, StringSplitOptions.RemoveEmptyEntries);
        foreach (DictionaryEntry entry in environment)
            if (entry.Key is string name && entry.Value is string value && Allowed(name, allowed)) variables[name] = value;
        foreach (var file in VariableFiles.Select(f => RepoPath.Join(configDirectory, f)))
        {
            if (!tree.Exists(file)) continue;
            var text = tree.ReadText(file);
            if (SopsKey().IsMatch(text))
            {
                findings.Add(Finding.Warning("config/env-sops", SourceLocation.InFile(file),
                    $"{file} is SOPS-encrypted; homeops does not decrypt it, so its variables are not set",
                    $"export them decrypted (e.g. `sops exec-env {file} 'homeops check'`) and list their names in {AllowVariable}"));
                continue;
            }
            foreach (var (k, v) in DotEnv.Parse(text, file, findings)) variables[k] = v;
        }
        return variables;
    }

    private static readonly char[] Separators = [',', ' ', '\t', '\n'];

    private static bool Allowed(string name, IEnumerable<string> allowed) =>
        allowed.Any(a => a == name || a.EndsWith('*') && name.StartsWith(a[..^1], StringComparison.Ordinal) && a.Length > 1);

    [GeneratedRegex(@"(?m)^sops:\s*$")]
    private static partial Regex SopsKey();

    public static TalConfig? Load(ISourceTree tree, string path, IReadOnlyDictionary<string, string> variables, FindingBag findings, ICollection<Substitution>? used = null)
    {
        if (!tree.Exists(path))
        {
            findings.Add(Finding.Error("config/missing", SourceLocation.InFile(path),
                $"{path} not found in {tree.Root}", "run from the repository root or pass the repository path"));
            return null;
        }
        var text = EnvSubstitution.Apply(tree.ReadText(path), path, variables, findings, used);
        var documents = YamlDocuments.Parse(text, path, findings);
        var nonEmpty = documents.Where(d => d.RootNode is not YamlScalarNode { Value: null or "" }).ToList();
        if (nonEmpty.Count != 1 || nonEmpty[0].RootNode is not YamlMappingNode root)
        {
            if (documents.Count > 0 || !findings.HasErrors)
                findings.Add(Finding.Error("config/schema", SourceLocation.InFile(path),
                    "talconfig.yaml must hold exactly one YAML mapping", "see docs/talconfig.md for the format"));
            return null;
        }
        var binding = new FindingBag();
        var config = new YamlBinder(path, binding).Bind<TalConfig>(root);
        foreach (var finding in binding.Sorted()) findings.Add(Explain(finding));
        return config;
    }

    [GeneratedRegex(@"^unknown key '(?<key>[^']+)'(?: in (?<path>.+))?$")]
    private static partial Regex UnknownKey();

    /// <summary>Keys talhelper v1 had and v2.0.0 removed (pkg/config/config.go before 517640ad), with what replaced them.</summary>
    private static readonly Dictionary<string, string> RemovedInTalhelper2 = new(StringComparer.Ordinal)
    {
        ["inlinePatch"] = "write it as an inline strategic-merge patch under patches:, e.g. `- |` followed by the same YAML indented",
        ["configPatches"] = "write the JSON6902 operations as one inline patch under patches: (a YAML list of op/path/value, in a `- |` block)",
        ["extensions"] = "list the extension images under schematic.customization.systemExtensions.officialExtensions (by name, e.g. siderolabs/iscsi-tools)",
        ["talosImageURL"] = "remove it (it did nothing since talhelper v1.x); set talosImageURL per node, or imageFactory for all",
    };

    /// <summary>An unknown key gets talhelper's reason: a node key in a group, a key homeops once took, or a key of a newer talhelper.</summary>
    private static Finding Explain(Finding finding)
    {
        if (finding.Rule != "config/schema" || UnknownKey().Match(finding.Message) is not { Success: true } m) return finding;
        var key = m.Groups["key"].Value;
        var path = m.Groups["path"].Value;
        if (path is "controlPlane" or "worker" && Node.NodeOnlyKeys.Contains(key))
            return finding with
            {
                Message = $"'{key}' is a node key: talhelper ignores it in {path}: (and its schema rejects it there)",
                Hint = $"set {key} on each node under nodes:",
            };
        if (key == "systemDiskEncryption")
            return finding with
            {
                Message = $"'{key}' is not a talhelper key{(path.Length > 0 ? $" (in {path})" : "")}",
                Hint = "move it into a Talos patch listed under patches: (machine.systemDiskEncryption; homeops writes VolumeConfig documents for Talos v1.11 and later), see docs/talconfig.md",
            };
        if (RemovedInTalhelper2.TryGetValue(key, out var instead) && (key != "talosImageURL" || path.Length == 0) && (key != "extensions" || path.StartsWith("nodes", StringComparison.Ordinal)))
            return finding with
            {
                Message = $"'{key}'{(path.Length > 0 ? $" (in {path})" : "")} was removed in talhelper v2.0.0 (commit 517640ad); talhelper v3 refuses it too",
                Hint = instead,
            };
        const string newer = "talconfig keys are talhelper's as of v3.1.16; if a newer talhelper added this one, homeops does not know it yet: remove it or set the same thing with a Talos patch";
        return finding with { Hint = finding.Hint is { } hint && hint.StartsWith("did you mean", StringComparison.Ordinal) ? $"{hint} ({newer})" : newer };
    }
}
