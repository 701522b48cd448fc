using System.Text.Json.Nodes;
using HomeOps.Model.Repository;

namespace HomeOps.Compile.Kustomize;

/// <summary>
/// kustomize's strategic merge (kyaml merge2, as patchstrategicmerge.Filter calls it): maps merge key by
/// key, a null deletes, <c>$patch: delete</c> removes and <c>$patch: replace</c> replaces. Lists of the
/// built-in kinds that Kubernetes declares with a patch merge key (containers by name, volumeMounts by
/// mountPath...) merge element by element; every other list, and every list of a custom resource
/// (kustomize has no schema for them), is replaced by the patch's.
/// </summary>
public static class StrategicMergePatch
{
    private const string Directive = "$patch";

    /// <summary>API groups whose kinds are in the Kubernetes OpenAPI kustomize embeds (merge keys apply to them only).</summary>
    private static readonly HashSet<string> KubernetesGroups =
        ["", "apps", "batch", "extensions", "policy", "autoscaling", "networking.k8s.io", "rbac.authorization.k8s.io", "storage.k8s.io", "scheduling.k8s.io", "node.k8s.io", "discovery.k8s.io", "coordination.k8s.io", "admissionregistration.k8s.io", "certificates.k8s.io"];

    /// <summary>Merges <paramref name="patch"/> into <paramref name="target"/>; returns the result, or null when the patch deletes the object.</summary>
    public static JsonObject? Apply(JsonObject target, JsonObject patch)
    {
        var apiVersion = Manifest.Text(target["apiVersion"]) ?? "";
        var group = apiVersion.Contains('/') ? apiVersion[..apiVersion.IndexOf('/')] : "";
        var kind = Manifest.Text(target["kind"]) ?? "";
        return MergeMap(target, patch, KubernetesGroups.Contains(group) ? kind : null, "") as JsonObject;
    }

    /// <summary>Removes kustomize's patch directives from a value that is copied in whole.</summary>
    private static JsonNode? Clean(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject o:
                var copy = new JsonObject();
                foreach (var (key, value) in o)
                    if (!key.StartsWith('$')) copy[key] = Clean(value);
                return copy;
            case JsonArray a:
                return new JsonArray(a.Where(i => !(i is JsonObject e && Manifest.Text(e[Directive]) == "delete")).Select(Clean).ToArray());
            default:
                return node?.DeepClone();
        }
    }

    private static JsonNode? MergeMap(JsonObject target, JsonObject patch, string? builtinKind, string path)
    {
        switch (Manifest.Text(patch[Directive]))
        {
            case "delete": return null;
            case "replace": return Clean(patch);
        }
        var result = (JsonObject)target.DeepClone();
        foreach (var (key, value) in patch)
        {
            if (key.StartsWith('$')) continue;
            if (value is null)
            {
                result.Remove(key);
                continue;
            }
            var existing = result[key];
            JsonNode? merged = (existing, value) switch
            {
                (JsonObject a, JsonObject b) => MergeMap(a, b, builtinKind, $"{path}/{key}"),
                (JsonArray a, JsonArray b) => MergeList(a, b, builtinKind, path, key),
                (_, JsonObject b) when Manifest.Text(b[Directive]) == "delete" => null,
                _ => Clean(value),
            };
            if (merged is null) result.Remove(key);
            else result[key] = merged;
        }
        return result;
    }

    /// <summary>The merge key of a list field of a built-in kind, or null when the list is replaced.</summary>
    private static string? MergeKey(string? builtinKind, string parentPath, string field)
    {
        if (builtinKind is null) return null;
        if (field == "ports") return builtinKind == "Service" && parentPath == "/spec" ? "port" : parentPath.EndsWith("/containers", StringComparison.Ordinal) || parentPath.Contains("ontainers/", StringComparison.Ordinal) ? "containerPort" : null;
        return Builtins.Instance.MergeKeys.GetValueOrDefault(field);
    }

    private static JsonArray MergeList(JsonArray target, JsonArray patch, string? builtinKind, string parentPath, string field)
    {
        var key = MergeKey(builtinKind, parentPath, field);
        if (key is null || !target.Concat(patch).All(e => e is JsonObject)) return (JsonArray)Clean(patch)!;
        static string? KeyOf(JsonNode? element, string key) => element is JsonObject o ? o[key]?.ToJsonString() : null;
        // kyaml with ListIncreaseDirection prepend: elements only the patch has come first, then the target's, merged in place.
        var result = new List<JsonNode?>();
        var patched = new Dictionary<string, JsonObject>(StringComparer.Ordinal);
        foreach (var element in patch.OfType<JsonObject>())
            if (KeyOf(element, key) is { } k) patched[k] = element;
        var present = target.Select(e => KeyOf(e, key)).OfType<string>().ToHashSet(StringComparer.Ordinal);
        foreach (var element in patch.OfType<JsonObject>())
            if (KeyOf(element, key) is not { } k || !present.Contains(k))
                if (Manifest.Text(element[Directive]) != "delete") result.Add(Clean(element));
        foreach (var element in target)
        {
            if (KeyOf(element, key) is { } k && patched.TryGetValue(k, out var change))
            {
                var merged = MergeMap((JsonObject)element!, change, builtinKind, $"{parentPath}/{field}");
                if (merged is not null) result.Add(merged);
            }
            else result.Add(element?.DeepClone());
        }
        return new JsonArray(result.ToArray());
    }
}
