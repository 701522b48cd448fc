using System.Text.Json.Nodes;
using HomeOps.Model.Yaml;
using YamlDotNet.RepresentationModel;

namespace HomeOps.Model.Talhelper;

/// <summary>Talos' v1alpha1.InstallDiskSelector (machine.install.diskSelector).</summary>
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

/// <summary>A VolumeConfig document (talhelper Volume): a system volume (STATE, EPHEMERAL, IMAGECACHE) and how it is provisioned or encrypted.</summary>
public sealed class Volume : Located
{
    [RequiredKey] public string Name { get; set; } = "";
    public VolumeProvisioning? Provisioning { get; set; }
    public JsonNode? Encryption { get; set; }
}

/// <summary>A UserVolumeConfig document (talhelper UserVolume).</summary>
public sealed class UserVolume : Located
{
    [RequiredKey] public string Name { get; set; } = "";

    /// <summary>partition (Talos' default), disk or directory (pkg/machinery/config/types/block/user_volume_config.go).</summary>
    public string? VolumeType { get; set; }

    public VolumeProvisioning? Provisioning { get; set; }
    public JsonNode? Filesystem { get; set; }
    public JsonNode? Encryption { get; set; }
}

/// <summary>Talos' block.ProvisioningSpec.</summary>
public sealed class VolumeProvisioning : Located
{
    public DiskSelectorExpression? DiskSelector { get; set; }
    public bool? Grow { get; set; }
    public string? MinSize { get; set; }
    public string? MaxSize { get; set; }
}

/// <summary>Talos' block.DiskSelector: a CEL expression over the disk.</summary>
public sealed class DiskSelectorExpression : Located
{
    [RequiredKey] public string Match { get; set; } = "";
}

/// <summary>Talos' v1alpha1.MachineFile plus talhelper's skipEnvsubst; content may be "@file".</summary>
public sealed class MachineFile : Located
{
    [RequiredKey] public string Content { get; set; } = "";

    /// <summary>The mode as written: it is read as Go's YAML reads an integer (0600 and 0o600 are octal), see FileMode.</summary>
    [System.Text.Json.Serialization.JsonIgnore] public YamlNode? Permissions { get; set; }

    [RequiredKey] public string Path { get; set; } = "";
    [RequiredKey] public string Op { get; set; } = "";
    public bool? SkipEnvsubst { get; set; }
}
