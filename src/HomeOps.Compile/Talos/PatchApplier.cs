using System.Text.Json.Nodes;
using HomeOps.Compile.Talhelper;
using HomeOps.Compile.Talhelper.Templates;
using HomeOps.Model;
using HomeOps.Model.Repository;
using HomeOps.Model.Yaml;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace HomeOps.Compile.Talos;

/// <summary>One patch document as applied, with the file it came from and where each of its keys is (JSON pointer → position).</summary>
public sealed record AppliedPatch(PatchSource Source, string File, JsonNode Document, IReadOnlyDictionary<string, Mark> Positions);

/// <summary>
/// Applies talconfig patches to a node's documents as talhelper does (pkg/patcher/patcher.go PatchesPatcher): the node's own
/// patches (group, then node) in one pass and the top-level ones in a second, each pass templating its patches (Go
/// text/template + sprig) against the v1alpha1 config as it was when the pass began; a file patch is templated first and
/// then gets its variables substituted, an empty file is skipped. Then Talos' configpatcher rules: a patch is a strategic
/// merge (one or more documents; documents with a kind merge into the document of the same kind and name, or are added)
/// unless it is a list, which is RFC 6902 JSON Patch — refused for multi-document configs, exactly as Talos refuses it.
/// </summary>
public sealed class PatchApplier(ISourceTree tree, string configDirectory, IReadOnlyDictionary<string, string> variables, FindingBag findings,
    ICollection<Substitution>? used = null)
{
    public IReadOnlyList<AppliedPatch> Apply(List<JsonObject> documents, IEnumerable<PatchSource> patches)
    {
        var applied = new List<AppliedPatch>();
        foreach (var stage in patches.GroupBy(p => p.Stage).OrderBy(g => g.Key))
        {
            var snapshot = ConfigTemplateData.Of((JsonObject)documents[0].DeepClone());
            foreach (var source in stage)
                foreach (var patch in Load(source, snapshot))
                {
                    ApplyOne(documents, patch.Document, source);
                    applied.Add(patch);
                }
        }
        return applied;
    }

    private List<AppliedPatch> Load(PatchSource source, ConfigTemplateData snapshot)
    {
        if (source.Patch is not YamlScalarNode { Value: { } text })
        {
            var positions = new Dictionary<string, Mark>(StringComparer.Ordinal);
            try
            {
                return new PatchDecoder(source.At.File, findings).ToJson(source.Patch, positions) is { } inline
                    ? [new AppliedPatch(source, source.At.File, inline, positions)]
                    : [];
            }
            catch (FormatException e)
            {
                findings.Add(Finding.Error("yaml/syntax", source.At, $"patch {source.Origin}: {e.Message}", "simplify the patch"));
                return [];
            }
        }
        var file = text.StartsWith('@') ? RepoPath.Join(configDirectory, text[1..].Trim()) : null;
        if (file is not null)
        {
            if (!tree.Exists(file))
            {
                findings.Add(Finding.Error("talos/patch", source.At, $"patch file {file} not found ({source.Origin})",
                    "paths in '@file' patches are relative to talconfig.yaml"));
                return [];
            }
            text = tree.ReadText(file);
            if (string.IsNullOrWhiteSpace(text)) return []; // talhelper skips an empty patch file
        }
        if (text.Contains("{{", StringComparison.Ordinal))
        {
            try { text = GoTemplate.Render(file ?? source.Origin, text, snapshot); }
            catch (TemplateException e)
            {
                findings.Add(Finding.Error("talos/template", file is null ? source.At : SourceLocation.InFile(file), $"patch {source.Origin}: {e.Message}",
                    "talhelper templates every patch (Go text/template); write {{ \"{{\" }} for a literal {{"));
                return [];
            }
        }
        if (file is not null) text = EnvSubstitution.Apply(text, file, variables, findings, used);
        var origin = file ?? source.At.File;
        var result = new List<AppliedPatch>();
        try
        {
            foreach (var document in YamlDocuments.Parse(text, origin, findings).Where(d => d.RootNode is not YamlScalarNode { Value: null or "" }))
            {
                var positions = new Dictionary<string, Mark>(StringComparer.Ordinal);
                if (new PatchDecoder(origin, findings, file is null ? source.At : null).ToJson(document.RootNode, file is null ? null : positions) is { } json)
                    result.Add(new AppliedPatch(source, origin, json, positions));
            }
        }
        catch (FormatException e)
        {
            findings.Add(Finding.Error("yaml/syntax", source.At, $"patch {source.Origin}: {e.Message}", "simplify the patch"));
        }
        return result;
    }

    private void ApplyOne(List<JsonObject> documents, JsonNode patch, PatchSource source)
    {
        switch (patch)
        {
            case JsonArray when documents.Count > 1:
                findings.Add(Finding.Error("talos/patch", source.At,
                    $"JSON6902 patch {source.Origin} cannot apply: this node's config has {documents.Count} documents",
                    "Talos refuses JSON6902 patches on multi-document configs (every config from Talos 1.12 on is one); write it as a strategic-merge patch ('$$patch: delete' under a key removes it in a patch file; `homeops upgrade talos` rewrites simple ones)"));
                break;
            case JsonArray operations:
                try { JsonPatch.Apply(documents[0], operations); }
                catch (FormatException e)
                {
                    findings.Add(Finding.Error("talos/patch", source.At, $"JSON6902 patch {source.Origin}: {e.Message}",
                        "check each operation's path against the generated config (talos genconfig --no-patches)"));
                }
                break;
            case JsonObject document when document["kind"] is not null and not JsonValue:
                findings.Add(Finding.Error("talos/patch", source.At, $"patch {source.Origin}: 'kind' must be a string", "e.g. kind: UserVolumeConfig"));
                break;
            case JsonObject document when document["kind"] is null:
                StrategicMerge.Merge(documents[0], document);
                break;
            case JsonObject document:
                LegacyFields.Merge(documents, (JsonObject)document.DeepClone());
                break;
            default:
                findings.Add(Finding.Error("talos/patch", source.At, $"patch {source.Origin} is neither a mapping nor a list of operations",
                    "a patch is a partial machine config (mapping) or a JSON6902 list"));
                break;
        }
    }
}
