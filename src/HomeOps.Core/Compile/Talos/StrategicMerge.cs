using System.Text.Json.Nodes;

namespace HomeOps.Core.Compile.Talos;

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
            if (value is JsonObject o && o[PatchDirective]?.GetValue<string>() == "delete")
            {
                target.Remove(key);
                continue;
            }
            var existing = target[key];
            switch (existing, value)
            {
                case (JsonObject into, JsonObject from):
                    Merge(into, from, childPath);
                    break;
                case (JsonArray into, JsonArray from):
                    MergeList(into, from, childPath);
                    break;
                default:
                    target[key] = value?.DeepClone();
                    break;
            }
        }
    }

    private static void MergeList(JsonArray target, JsonArray patch, string path)
    {
        var identity = IdentityOf(path);
        foreach (var item in patch)
        {
            var match = identity is null || item is not JsonObject patchItem
                ? null
                : target.OfType<JsonObject>().FirstOrDefault(t => identity(t) is { } id && id == identity(patchItem));
            if (match is not null && item is JsonObject from) Merge(match, from, path);
            else target.Add(item?.DeepClone());
        }
    }

    private static Func<JsonObject, string?>? IdentityOf(string path) => path switch
    {
        "/machine/network/interfaces" => i => i["interface"]?.ToJsonString() ?? i["deviceSelector"]?.ToJsonString(),
        _ when path.EndsWith("/vlans", StringComparison.Ordinal) => v => v["vlanId"]?.ToJsonString(),
        _ => null,
    };
}
