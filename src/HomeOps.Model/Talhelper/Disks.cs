using System.Text.Json.Nodes;
using HomeOps.Model.Yaml;

namespace HomeOps.Model.Talhelper;

public sealed class InstallDiskSelector : Located
{
    public string? Size { get; set; }
    public string? Name { get; set; }
    public string? Model { get; set; }
    public string? Serial { get; set; }
    public string? Modalias { get; set; }
    public string? Uuid { get; set; }
    public string? Wwid { get; set; }
    public string? Type { get; set; }
    public string? BusPath { get; set; }
}

public sealed class SystemDiskEncryption : Located
{
    public EncryptionConfig? State { get; set; }
    public EncryptionConfig? Ephemeral { get; set; }
}

public sealed class EncryptionConfig : Located
{
    [RequiredKey] public string Provider { get; set; } = "";
    public List<JsonNode>? Keys { get; set; }
    public string? Cipher { get; set; }
    public int? KeySize { get; set; }
    public long? BlockSize { get; set; }
    public List<string>? Options { get; set; }
}

/// <summary>A Talos UserVolumeConfig document (Talos ≥ 1.10), named and provisioned by disk selector.</summary>
public sealed class UserVolume : Located
{
    [RequiredKey] public string Name { get; set; } = "";
    [RequiredKey] public VolumeProvisioning Provisioning { get; set; } = new();
    public JsonNode? Filesystem { get; set; }
    public JsonNode? Encryption { get; set; }
}

public sealed class VolumeProvisioning : Located
{
    [RequiredKey] public DiskSelectorExpression DiskSelector { get; set; } = new();
    public string? MinSize { get; set; }
    public string? MaxSize { get; set; }
    public bool? Grow { get; set; }
}

public sealed class DiskSelectorExpression : Located
{
    [RequiredKey] public string Match { get; set; } = "";
}
