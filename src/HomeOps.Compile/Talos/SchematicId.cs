using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using HomeOps.Model.Talhelper;

using HomeOps.Model.Yaml;

namespace HomeOps.Compile.Talos;


/// <summary>
/// Image Factory schematic IDs, computed offline. The factory hashes its own canonical
/// re-serialization (go-yaml, struct field order, empty fields omitted except
/// <c>customization</c>): ID = hex(sha256(yaml)). List order matters and is kept.
/// </summary>
public static class SchematicId
{
    public const string Empty = "376567988ad370138ad8b2698212367b8edcb69b5fd68c80be1f2ec7d603b4ba";

    public static string Of(Schematic? schematic) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Canonical(schematic))));

    public static string Canonical(Schematic? schematic)
    {
        var root = new JsonObject();
        if (schematic?.Overlay is JsonObject { Count: > 0 } overlay) root["overlay"] = overlay.DeepClone();
        var customization = new JsonObject();
        var c = schematic?.Customization;
        AddList(customization, "extraKernelArgs", c?.ExtraKernelArgs);
        if (c?.Meta is JsonArray { Count: > 0 } meta) customization["meta"] = meta.DeepClone();
        if (c?.SystemExtensions?.OfficialExtensions is { Count: > 0 } extensions)
            customization["systemExtensions"] = new JsonObject { ["officialExtensions"] = List(extensions) };
        if (c?.SecureBoot is JsonObject { Count: > 0 } secureBoot) customization["secureboot"] = secureBoot.DeepClone();
        root["customization"] = customization;
        return YamlJson.ToYaml([root]);
    }

    private static void AddList(JsonObject target, string key, List<string>? values)
    {
        if (values is { Count: > 0 }) target[key] = List(values);
    }

    private static JsonArray List(IEnumerable<string> values) => new(values.Select(v => (JsonNode)JsonValue.Create(v)!).ToArray());
}
