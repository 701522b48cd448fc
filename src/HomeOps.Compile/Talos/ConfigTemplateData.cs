using System.Text.Json.Nodes;
using HomeOps.Compile.Talhelper.Templates;
using HomeOps.Compile.Talos.Lines;

namespace HomeOps.Compile.Talos;

/// <summary>
/// A v1alpha1 machine config as talhelper's templates see it: the Go struct *v1alpha1.Config, so fields go by their Go names
/// (.MachineConfig.MachineInstall.InstallImage, .ClusterConfig.ClusterName), from Talos/Lines/types.yaml. A struct that is
/// not set is a nil pointer: reading through it is an error, as in Go.
/// </summary>
public sealed class ConfigTemplateData(JsonNode node, string type, ConfigTypes types) : ITemplateObject
{
    public static ConfigTemplateData Of(JsonObject v1alpha1) => new(v1alpha1, "v1alpha1.Config", ConfigTypes.Talos);

    public string TypeName => "*" + type;

    public bool TryField(string name, out object? value)
    {
        value = null;
        if (types.ByGoName(type, name) is not { } field) return false;
        var child = node[field.Yaml];
        var (inner, shape) = ConfigTypes.Shape(field.Type);
        value = (shape, child) switch
        {
            (_, null) when field.Type == "string" => "", // a Go string is never nil
            (_, null) => null,
            (' ', _) when types.IsStruct(inner) => new ConfigTemplateData(child, inner, types),
            ('[', JsonArray list) when types.IsStruct(inner) => list.Select(item => item is null ? null : (object?)new ConfigTemplateData(item, inner, types)).ToList(),
            ('{', JsonObject map) when types.IsStruct(inner) => map.ToDictionary(p => p.Key, p => p.Value is null ? null : (object?)new ConfigTemplateData(p.Value, inner, types), StringComparer.Ordinal) as IReadOnlyDictionary<string, object?>,
            _ => TemplateValues.FromJson(child),
        };
        return true;
    }

    public override string ToString() => "&" + node.ToJsonString();
}
