using System.Text.Json.Nodes;
using HomeOps.Compile.Talhelper;
using HomeOps.Model;
using HomeOps.Model.Repository;
using HomeOps.Model.Yaml;
using YamlDotNet.RepresentationModel;

namespace HomeOps.Compile.Talos;

/// <summary>
/// Applies talconfig patches to a node's documents as Talos' configpatcher does: a patch is a
/// strategic merge (one or more documents; documents with a kind merge into the document of
/// the same kind and name, or are added) unless it is a list, which is RFC 6902 JSON Patch —
/// refused for multi-document configs, exactly as Talos refuses it.
/// </summary>
public sealed class PatchApplier(ISourceTree tree, string configDirectory, IReadOnlyDictionary<string, string> variables, FindingBag findings)
{
    public void Apply(List<JsonObject> documents, IEnumerable<PatchSource> patches)
    {
        foreach (var source in patches)
            foreach (var patch in Load(source))
                ApplyOne(documents, patch, source);
    }

    private IEnumerable<JsonNode> Load(PatchSource source)
    {
        if (source.Patch is JsonValue value && value.TryGetValue<string>(out var text))
        {
            var file = text.StartsWith('@') ? RepoPath.Join(configDirectory, text[1..].Trim()) : null;
            if (file is not null)
            {
                if (!tree.Exists(file))
                {
                    findings.Add(Finding.Error("talos/patch", source.At, $"patch file {file} not found ({source.Origin})",
                        "paths in '@file' patches are relative to talconfig.yaml"));
                    return [];
                }
                text = EnvSubstitution.Apply(tree.ReadText(file), file, variables, findings);
            }
            var origin = file ?? source.At.File;
            try
            {
                return YamlDocuments.Parse(text, origin, findings)
                    .Where(d => d.RootNode is not YamlScalarNode { Value: null or "" })
                    .Select(d => YamlJson.ToJson(d.RootNode)).OfType<JsonNode>().ToList();
            }
            catch (FormatException e)
            {
                findings.Add(Finding.Error("yaml/syntax", source.At, $"patch {source.Origin}: {e.Message}", "simplify the patch"));
                return [];
            }
        }
        return [source.Patch];
    }

    private void ApplyOne(List<JsonObject> documents, JsonNode patch, PatchSource source)
    {
        switch (patch)
        {
            case JsonArray operations when documents.Count > 1:
                findings.Add(Finding.Error("talos/patch", source.At,
                    $"JSON6902 patch {source.Origin} cannot apply: this node's config has {documents.Count} documents",
                    "Talos refuses JSON6902 patches on multi-document configs; write it as a strategic-merge patch"));
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
                var target = documents.Skip(1).FirstOrDefault(d =>
                    d["kind"]?.ToJsonString() == document["kind"]?.ToJsonString() && d["name"]?.ToJsonString() == document["name"]?.ToJsonString());
                if (target is null) documents.Add((JsonObject)document.DeepClone());
                else StrategicMerge.Merge(target, document);
                break;
            default:
                findings.Add(Finding.Error("talos/patch", source.At, $"patch {source.Origin} is neither a mapping nor a list of operations",
                    "a patch is a partial machine config (mapping) or a JSON6902 list"));
                break;
        }
    }
}
