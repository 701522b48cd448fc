using System.Text.Json.Serialization;
using HomeOps.Model.Yaml;
using YamlDotNet.RepresentationModel;

namespace HomeOps.Model.Talhelper;

/// <summary>An Image Factory schematic (siderolabs/image-factory pkg/schematic/schematic.go): what the installer image contains.</summary>
public sealed class Schematic : Located
{
    public string? Owner { get; set; }
    public Overlay? Overlay { get; set; }
    public SchematicCustomization? Customization { get; set; }
}

public sealed class Overlay : Located
{
    public string? Image { get; set; }
    public string? Name { get; set; }

    /// <summary>Free-form options as written; values keep their YAML types (Go's map[string]any).</summary>
    [JsonIgnore] public YamlNode? Options { get; set; }
}

public sealed class SchematicCustomization : Located
{
    public string? EmbeddedMachineConfiguration { get; set; }
    public List<string>? ExtraKernelArgs { get; set; }
    public List<MetaValue>? Meta { get; set; }
    public SystemExtensions? SystemExtensions { get; set; }

    /// <summary>none, dual-boot, sd-boot or grub (Talos imageropts.BootloaderKind; case-insensitive).</summary>
    public string? Bootloader { get; set; }

    [JsonPropertyName("secureboot")] public SecureBootCustomization? SecureBoot { get; set; }
    public DiskImageCustomization? DiskImage { get; set; }
}

/// <summary>An initial META value: key is a uint8 (written as Go reads integers: 10, 0xa, 012), value a string.</summary>
public sealed class MetaValue : Located
{
    [JsonIgnore, RequiredKey] public YamlNode Key { get; set; } = new YamlScalarNode("0");
    public string? Value { get; set; }
}

public sealed class SystemExtensions : Located
{
    public List<string>? OfficialExtensions { get; set; }
}

public sealed class SecureBootCustomization : Located
{
    public string? EnrollKeys { get; set; }
    public bool? IncludeWellKnownCertificates { get; set; }
}

public sealed class DiskImageCustomization : Located
{
    public long? SectorSize { get; set; }
}

/// <summary>talhelper MachineSpec (pkg/config/config.go; defaults in defaults.go GetMachineSpec).</summary>
public sealed class MachineSpec : Located
{
    public string? Mode { get; set; }
    public string? Arch { get; set; }
    public bool? Secureboot { get; set; }
    public bool? UseUKI { get; set; }
    public string? BootMethod { get; set; }
    public string? ImageSuffix { get; set; }
}
