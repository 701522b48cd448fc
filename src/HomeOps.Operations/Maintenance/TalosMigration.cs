using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using HomeOps.Compile.Secrets;
using HomeOps.Compile.Talos;
using HomeOps.Compile.Talos.Lines;
using HomeOps.Model;
using HomeOps.Model.Repository;
using HomeOps.Model.Yaml;
using YamlDotNet.RepresentationModel;

namespace HomeOps.Operations.Maintenance;

/// <summary>A rewrite of one file of the repository.</summary>
public sealed record FileEdit(string Path, string After, IReadOnlyList<string> Changes);

/// <summary>What moving the repository to another Talos line takes: file rewrites homeops makes, and changes only the operator can make.</summary>
public sealed record TalosMigration(TalosLine From, TalosLine To, IReadOnlyList<FileEdit> Edits, IReadOnlyList<string> Manual)
{
    public bool Needed => Edits.Count > 0 || Manual.Count > 0;

    /// <summary>
    /// The migration of <paramref name="plan"/> to Talos <paramref name="target"/>: the repository is planned and rendered for the
    /// target line (throwaway secrets); every legacy field a patch file sets that the target line moves into documents is
    /// rewritten in that file (the keys removed, the documents appended), and the result is rendered again, which must then be
    /// free of legacy fields and errors. What cannot be rewritten that way (an inline patch, a field Talos would refuse, a
    /// Kubernetes version the line does not run, a setting with no replacement) is listed for the operator.
    /// </summary>
    public static TalosMigration Plan(TalosPlan plan, ReleaseVersion target, ISourceTree tree)
    {
        var to = TalosLines.For(target, out var problem);
        if (to is null) return new TalosMigration(plan.Line, plan.Line, [], [problem!]);
        if (to.Name == plan.Line.Name) return new TalosMigration(plan.Line, to, [], []);
        var talconfig = RepoPath.Join(plan.ConfigDirectory, RepoFiles.TalConfig);
        var manual = new List<string>();
        var text = Regex.Replace(tree.ReadText(talconfig), @"(?m)^(talosVersion:\s*)\S+", m => m.Groups[1].Value + target);
        if (!to.Kubernetes.Supports(plan.Kubernetes))
        {
            manual.Add($"{plan.Config.LocationOf("kubernetesVersion")}: Kubernetes {plan.Kubernetes} is not supported by Talos {to.Name} (it runs {to.Kubernetes.Range}); " +
                (plan.Kubernetes < to.Kubernetes.Min ? $"upgrade Kubernetes to {to.Kubernetes.Min.Line}.x first (`homeops upgrade kubernetes`)" : "stay on a line that runs it"));
            // render the rest for the target line with a Kubernetes it runs, to list everything else too
            text = Regex.Replace(text, @"(?m)^(kubernetesVersion:\s*)\S+", m => m.Groups[1].Value + to.Kubernetes.Default);
        }
        var overlay = new Dictionary<string, string> { [talconfig] = text };
        var edits = new List<FileEdit>();
        var retargeted = new Overlay(tree, overlay);
        var (findings, _) = Render(retargeted, talconfig);
        if (findings.Any(f => f.Rule == "talos/patch" && f.Message.Contains("cannot apply: this node's config has", StringComparison.Ordinal)))
        {
            // the new line's configs have several documents, and Talos refuses JSON6902 patches on those
            foreach (var file in JsonPatchFiles(plan, tree))
                if (StrategicEquivalent(tree.ReadText(file)) is { } rewritten)
                {
                    overlay[file] = rewritten;
                    edits.Add(new FileEdit(file, rewritten, [$"JSON6902 operations rewritten as the strategic-merge patch that does the same (Talos refuses JSON6902 patches on multi-document configs, which every {to.Name} config is)"]));
                }
            if (edits.Count > 0) (findings, _) = Render(retargeted, talconfig);
        }
        var byFile = new Dictionary<string, List<Finding>>(StringComparer.Ordinal);
        foreach (var finding in findings)
        {
            if (finding.Rule == "talos/legacy-field" && finding.Severity == Severity.Warning && finding.Message.Contains("homeops writes it as", StringComparison.Ordinal)
                && finding.Location.File != talconfig && retargeted.Exists(finding.Location.File))
                (byFile.TryGetValue(finding.Location.File, out var list) ? list : byFile[finding.Location.File] = []).Add(finding);
            else if (finding.Severity == Severity.Error || finding.Rule is "talos/legacy-field" or "talos/network")
                manual.Add($"{finding.Location}: {finding.Message}{(finding.Hint is null ? "" : $" ({finding.Hint})")}");
        }
        foreach (var (file, found) in byFile.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            var paths = found.Select(f => Regex.Match(f.Message, "^'([^']+)'").Groups[1].Value).Distinct().ToList();
            if (Rewrite(retargeted.ReadText(file), paths, to) is { } after)
            {
                var earlier = edits.FindIndex(e => e.Path == file);
                var change = new FileEdit(file, after, [.. earlier < 0 ? [] : edits[earlier].Changes, .. found.Select(f => f.Message)]);
                if (earlier < 0) edits.Add(change);
                else edits[earlier] = change;
            }
            else manual.Add($"{file}: rewrite {string.Join(", ", paths)} by hand ({found[0].Hint})");
        }
        if (manual.Count == 0 && edits.Count > 0)
        {
            // the rewritten repository must render for the target line without legacy fields or errors
            var (again, _) = Render(new Overlay(retargeted, edits.ToDictionary(e => e.Path, e => e.After)), talconfig);
            manual.AddRange(again.Where(f => f.Severity == Severity.Error || f.Rule == "talos/legacy-field")
                .Select(f => $"{f.Location}: {f.Message} (left after homeops' rewrite; change it by hand)"));
        }
        return new TalosMigration(plan.Line, to, edits, manual);
    }

    /// <summary>The patch files (@file) the plan's nodes apply, each once.</summary>
    private static IEnumerable<string> JsonPatchFiles(TalosPlan plan, ISourceTree tree) =>
        plan.Nodes.SelectMany(n => n.Patches)
            .Select(p => p.Patch is YamlScalarNode { Value: { } v } && v.StartsWith('@') ? RepoPath.Join(plan.ConfigDirectory, v[1..].Trim()) : null)
            .OfType<string>().Distinct(StringComparer.Ordinal).Where(tree.Exists);

    /// <summary>
    /// A JSON6902 patch (a YAML list of operations) as the strategic-merge patch Talos applies the same way, when there is one:
    /// <c>remove</c> of a field becomes <c>$$patch: delete</c> there (configloader's delete selectors; <c>$$</c> because patch files are
    /// substituted first), <c>add</c>/<c>replace</c> of a
    /// scalar sets it. Paths into lists, object or list values (a merge is not a replacement) and other operations have no
    /// exact equivalent: null, and the operator rewrites them.
    /// </summary>
    internal static string? StrategicEquivalent(string text)
    {
        var findings = new FindingBag();
        IReadOnlyList<YamlDocument> documents;
        try { documents = YamlDocuments.Parse(text, "patch", findings); }
        catch (FormatException) { return null; }
        if (findings.HasErrors || documents.Count != 1 || documents[0].RootNode is not YamlSequenceNode { Children.Count: > 0 }) return null;
        if (new PatchDecoder("patch", findings).ToJson(documents[0].RootNode) is not JsonArray operations) return null;
        var result = new JsonObject();
        foreach (var operation in operations)
        {
            if (operation is not JsonObject op || op["path"] is not JsonValue p || !p.TryGetValue<string>(out var path) || !path.StartsWith('/')) return null;
            var keys = path[1..].Split('/').Select(k => k.Replace("~1", "/").Replace("~0", "~")).ToList();
            if (keys.Any(k => k.Length == 0 || k == "-" || k.All(char.IsAsciiDigit))) return null;
            JsonNode leaf;
            switch (op["op"]?.GetValue<string>())
            {
                case "remove" when op.Count == 2:
                    leaf = new JsonObject { ["$patch"] = "delete" };
                    break;
                case "add" or "replace" when op.Count == 3 && op["value"] is JsonValue value && value.GetValueKind() is not System.Text.Json.JsonValueKind.Null:
                    leaf = value.DeepClone();
                    break;
                default:
                    return null;
            }
            var at = result;
            foreach (var key in keys.SkipLast(1))
            {
                if (at[key] is null) at[key] = new JsonObject();
                if (at[key] is not JsonObject next || next.ContainsKey("$patch")) return null;
                at = next;
            }
            if (at.ContainsKey(keys[^1])) return null; // two operations on one field: order matters, leave it to the operator
            at[keys[^1]] = leaf;
        }
        // a patch file is substituted before Talos reads it, so the directive is written $$patch (talhelper's escape for a literal $)
        var yaml = Regex.Replace(GoYaml.Marshal([result], v3: true, indent: 2), @"(?m)^(\s*)\$patch: delete$", "$1$$$$patch: delete");
        var comments = string.Concat(text.Split('\n').TakeWhile(l => l.StartsWith('#') || l.Trim().Length == 0 || l.Trim() == "---").Select(l => l + "\n"));
        return comments.TrimEnd('\n', '-').TrimEnd() is { Length: > 0 } kept ? kept + "\n" + yaml : yaml;
    }

    private static (IReadOnlyList<Finding> Findings, TalosPlan? Plan) Render(ISourceTree tree, string talconfig)
    {
        var findings = new FindingBag();
        var plan = TalosCompiler.Plan(tree, talconfig, new Dictionary<string, string>(), findings);
        if (plan is not null) TalosCompiler.Render(plan, tree, SecretsBundle.Throwaway(DateTimeOffset.UnixEpoch), DateTimeOffset.UnixEpoch, findings);
        return (findings.Sorted(), plan);
    }

    /// <summary>The patch file with <paramref name="paths"/> removed and the documents the target line writes for them appended.</summary>
    private static string? Rewrite(string text, IReadOnlyList<string> paths, TalosLine line)
    {
        var findings = new FindingBag();
        var documents = YamlDocuments.Parse(text, "patch", findings);
        if (findings.HasErrors || documents.Count == 0 || documents[0].RootNode is not YamlMappingNode) return null;
        var json = documents.Select(d => new PatchDecoder("patch", findings).ToJson(d.RootNode) as JsonObject).ToList();
        if (json.Any(d => d is null) || json[0]!["kind"] is not null) return null;
        var moved = new List<JsonObject> { (JsonObject)json[0]!.DeepClone() };
        LegacyFields.Apply(moved, line);
        var added = moved.Skip(1).ToList();
        // a replacement that merges into a document the file already has is not a plain append: leave it to the operator
        if (added.Any(a => json.Skip(1).Any(d => LegacyFields.Same(d!, a)))) return null;
        var removed = YamlTextEdit.RemovePaths(text, paths);
        if (removed is null) return null;
        foreach (var document in added) ConfigTypes.Talos.Order(document);
        return YamlTextEdit.AppendDocuments(removed, added.Select(d => GoYaml.Marshal([d], v3: true, indent: 2)));
    }

    private sealed class Overlay(ISourceTree inner, IReadOnlyDictionary<string, string> files) : ISourceTree
    {
        public string Root => inner.Root;
        public bool Exists(string path) => files.ContainsKey(path) || inner.Exists(path);
        public string ReadText(string path) => files.TryGetValue(path, out var text) ? text : inner.ReadText(path);
    }
}
