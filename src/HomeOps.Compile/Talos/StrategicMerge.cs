using System.Text.Json.Nodes;

namespace HomeOps.Compile.Talos;

/// <summary>
/// Talos' strategic merge for machine-config documents (pkg/machinery/config/configpatcher):
/// mappings merge key by key, scalars are replaced, lists are appended — except lists whose
/// items have an identity (network interfaces by name or selector, VLANs by id), which merge
/// item by item. A mapping holding <c>$patch: delete</c> removes the target key.
/// </summary>
public static class StrategicMerge
{
    private const string PatchDirective = "$patch";

    public static void Merge(JsonObject target, JsonObject patch, string path = "")
    {
        foreach (var (key, value) in patch.ToList())
        {
            var childPath = $"{path}/{key}";
            if (IsDelete(value))
            {
                target.Remove(key);
                continue;
            }
            // As in Talos, an empty value in a patch leaves the target alone (false is a value).
            if (value is null || value is JsonValue v && v.TryGetValue<string>(out var text) && text.Length == 0) continue;
            var existing = target[key];
            switch (existing, value)
            {
                case (_, _) when Replaced.Contains(childPath):
                    target[key] = value.DeepClone();
                    break;
                case (JsonObject into, JsonObject from):
                    Merge(into, from, childPath);
                    break;
                case (JsonArray into, JsonArray from):
                    MergeList(into, from, childPath);
                    break;
                case (null, JsonObject from):
                    var created = new JsonObject();
                    target[key] = created;
                    Merge(created, from, childPath);
                    break;
                default:
                    target[key] = value.DeepClone();
                    break;
            }
        }
    }

    private static bool IsDelete(JsonNode? node) =>
        node is JsonObject o && o[PatchDirective] is JsonValue d && d.TryGetValue<string>(out var s) && s == "delete";

    /// <summary>Fields Talos replaces whole instead of merging (merge:"replace" in v1alpha1_types.go).</summary>
    private static readonly HashSet<string> Replaced =
    [
        "/cluster/network/podSubnets",
        "/cluster/network/serviceSubnets",
        "/cluster/apiServer/auditPolicy",
    ];

    private static void MergeList(JsonArray target, JsonArray patch, string path)
    {
        var identity = IdentityOf(path);
        foreach (var item in patch)
        {
            var match = identity is null || item is not JsonObject patchItem
                ? null
                : target.OfType<JsonObject>().FirstOrDefault(t => identity(t) is { } id && id == identity(patchItem));
            if (IsDelete(item) && identity is not null)
            {
                if (match is not null) target.Remove(match);
                continue;
            }
            if (match is not null && item is JsonObject from) Merge(match, from, path);
            else target.Add(item?.DeepClone());
        }
    }

    private static Func<JsonObject, string?>? IdentityOf(string path) => path switch
    {
        "/machine/network/interfaces" => i => i["interface"]?.ToJsonString() ?? i["deviceSelector"]?.ToJsonString(),
        "/cluster/apiServer/admissionControl" => a => a["name"]?.ToJsonString(),
        _ when path.EndsWith("/vlans", StringComparison.Ordinal) => v => v["vlanId"]?.ToJsonString(),
        _ => null,
    };
}
