using System.Text.Json.Nodes;
using HomeOps.Model.Yaml;

namespace HomeOps.Model.Talhelper;

public sealed class Schematic : Located
{
    public SchematicCustomization? Customization { get; set; }
    public JsonNode? Overlay { get; set; }
}

public sealed class SchematicCustomization : Located
{
    public List<string>? ExtraKernelArgs { get; set; }
    public JsonNode? Meta { get; set; }
    public SystemExtensions? SystemExtensions { get; set; }
    [System.Text.Json.Serialization.JsonPropertyName("secureboot")] public JsonNode? SecureBoot { get; set; }
}

public sealed class SystemExtensions : Located
{
    public List<string>? OfficialExtensions { get; set; }
}
