using System.Text.Json.Nodes;
using HomeOps.Model;

namespace HomeOps.Compile.Talos;

/// <summary>
/// Fields Talos still accepts but its published JSON schema omits. Each one in the input becomes
/// a warning naming the replacement; where a direct replacement exists the output uses it.
/// Fields with no mechanical replacement stay (Talos honours them) and are hidden from the
/// schema check so they are reported once, as deprecations, not as unknown fields.
/// </summary>
public static class Deprecations
{
    private sealed record Deprecated(string Parent, string Field, string Advice, string? RenameTo = null, bool Drop = false);

    private static readonly Deprecated[] Known =
    [
        new("", "persist", "remove it: Talos ignores it since v1.5 (the config always persists)", Drop: true),
        new("cluster", "allowSchedulingOnMasters", "use cluster.allowSchedulingOnControlPlanes (written for you)", RenameTo: "allowSchedulingOnControlPlanes"),
        new("machine", "disks", "move the disk to a UserVolumeConfig (talconfig userVolumes:)"),
        new("machine/install", "extensions", "list extensions in the image-factory schematic (talconfig schematic.customization.systemExtensions)"),
        new("machine/install", "bootloader", "remove it: Talos picks the bootloader itself since v1.10"),
    ];

    /// <summary>Migrates <paramref name="config"/> in place; returns a copy without the kept deprecated fields, for the schema check.</summary>
    public static JsonObject Migrate(JsonObject config, SourceLocation at, FindingBag findings)
    {
        foreach (var d in Known)
        {
            if (Parent(config, d.Parent) is not { } parent || !parent.ContainsKey(d.Field)) continue;
            var path = d.Parent.Length == 0 ? d.Field : $"{d.Parent.Replace('/', '.')}.{d.Field}";
            findings.Add(Finding.Warning("talos/deprecated", at, $"'{path}' is deprecated", d.Advice));
            if (d.RenameTo is { } rename)
            {
                var value = parent[d.Field]?.DeepClone();
                parent.Remove(d.Field);
                parent[rename] ??= value;
            }
            else if (d.Drop) parent.Remove(d.Field);
        }
        var forSchema = (JsonObject)config.DeepClone();
        foreach (var d in Known)
            Parent(forSchema, d.Parent)?.Remove(d.Field);
        return forSchema;
    }

    private static JsonObject? Parent(JsonObject root, string path)
    {
        JsonNode? node = root;
        foreach (var part in path.Split('/', StringSplitOptions.RemoveEmptyEntries)) node = node?[part];
        return node as JsonObject;
    }
}
