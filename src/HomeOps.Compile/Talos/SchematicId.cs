using System.Security.Cryptography;
using System.Text;
using HomeOps.Compile.Talhelper;
using HomeOps.Model.Talhelper;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace HomeOps.Compile.Talos;

/// <summary>
/// Image Factory schematic IDs, computed offline exactly as the factory does (siderolabs/image-factory pkg/schematic/schematic.go):
/// ID = hex(sha256(yaml.Marshal(schematic))) with go.yaml.in/yaml/v4, over the parsed struct, never the bytes written. Field
/// order is the struct's (owner, overlay{image, name, options}, customization{embeddedMachineConfiguration, extraKernelArgs,
/// meta[{key, value}], systemExtensions{officialExtensions}, bootloader, secureboot{enrollKeys, includeWellKnownCertificates},
/// diskImage{sectorSize}}), empty fields are omitted except customization and, once an overlay is set, its image and name;
/// overlay options are a Go map, so their keys are sorted. List order is kept.
/// </summary>
public static class SchematicId
{
    public const string Empty = "376567988ad370138ad8b2698212367b8edcb69b5fd68c80be1f2ec7d603b4ba";

    public static string Of(Schematic? schematic) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Canonical(schematic))));

    /// <summary>The bytes the factory hashes; throws <see cref="FormatException"/> for values the factory refuses.</summary>
    public static string Canonical(Schematic? schematic) => GoYaml.Marshal(Value(schematic));

    /// <summary>The schematic as the Go struct the factory marshals.</summary>
    public static GoValue Value(Schematic? schematic)
    {
        var root = new List<(GoValue, GoValue)>();
        if (schematic?.Owner is { Length: > 0 } owner) root.Add((Key("owner"), new GoValue.Scalar(owner)));
        if (schematic?.Overlay is { } overlay)
        {
            var options = overlay.Options is null ? null : GoYamlValues.FromYaml(overlay.Options) as GoValue.Map;
            if (overlay.Image is { Length: > 0 } || overlay.Name is { Length: > 0 } || options is { Entries.Count: > 0 })
            {
                var fields = new List<(GoValue, GoValue)>
                {
                    (Key("image"), new GoValue.Scalar(overlay.Image ?? "")),
                    (Key("name"), new GoValue.Scalar(overlay.Name ?? "")),
                };
                if (overlay.Options is not null && options is null) throw new FormatException("overlay.options must be a mapping");
                if (options is { Entries.Count: > 0 }) fields.Add((Key("options"), options));
                root.Add((Key("overlay"), new GoValue.Map(fields)));
            }
        }
        root.Add((Key("customization"), Customization(schematic?.Customization)));
        return new GoValue.Map(root);
    }

    private static GoValue.Map Customization(SchematicCustomization? c)
    {
        var fields = new List<(GoValue, GoValue)>();
        if (c is null) return new GoValue.Map(fields);
        if (c.EmbeddedMachineConfiguration is { Length: > 0 } embedded) fields.Add((Key("embeddedMachineConfiguration"), new GoValue.Scalar(embedded)));
        if (c.ExtraKernelArgs is { Count: > 0 } args) fields.Add((Key("extraKernelArgs"), Strings(args)));
        if (c.Meta is { Count: > 0 } meta)
            fields.Add((Key("meta"), new GoValue.List(meta.Select(m => (GoValue)new GoValue.Map(
            [
                (Key("key"), new GoValue.Scalar((long)MetaKey(m.Key))),
                (Key("value"), new GoValue.Scalar(m.Value ?? "")),
            ])).ToList())));
        if (c.SystemExtensions?.OfficialExtensions is { Count: > 0 } extensions)
            fields.Add((Key("systemExtensions"), new GoValue.Map([(Key("officialExtensions"), Strings(extensions))])));
        if (Bootloader(c.Bootloader) is { } bootloader) fields.Add((Key("bootloader"), new GoValue.Scalar(bootloader)));
        if (c.SecureBoot is { } secureBoot)
        {
            var sb = new List<(GoValue, GoValue)>();
            if (secureBoot.EnrollKeys is { Length: > 0 } enroll) sb.Add((Key("enrollKeys"), new GoValue.Scalar(enroll)));
            if (secureBoot.IncludeWellKnownCertificates == true) sb.Add((Key("includeWellKnownCertificates"), new GoValue.Scalar(true)));
            if (sb.Count > 0) fields.Add((Key("secureboot"), new GoValue.Map(sb)));
        }
        if (c.DiskImage?.SectorSize is { } sectorSize and not 0)
        {
            if (sectorSize < 0) throw new FormatException($"diskImage.sectorSize {sectorSize} is negative");
            fields.Add((Key("diskImage"), new GoValue.Map([(Key("sectorSize"), new GoValue.Scalar(sectorSize))])));
        }
        return new GoValue.Map(fields);
    }

    /// <summary>Talos imageropts.BootloaderKind: none (the zero value, omitted), dual-boot, sd-boot, grub; read case-insensitively.</summary>
    private static string? Bootloader(string? text) => text?.ToLowerInvariant() switch
    {
        null or "" or "none" => null,
        "dual-boot" or "sd-boot" or "grub" => text.ToLowerInvariant(),
        _ => throw new FormatException($"bootloader '{text}' is not one of none, dual-boot, sd-boot, grub"),
    };

    /// <summary>A META key: a uint8 read as Go reads integers (10, 0xa and 012 are all ten).</summary>
    private static byte MetaKey(YamlNode node)
    {
        if (node is YamlScalarNode { Style: ScalarStyle.Plain or ScalarStyle.Any } scalar
            && GoIntegers.TryParse(scalar.Value ?? "", out var value, out _) && value is >= 0 and <= 255)
            return (byte)value;
        throw new FormatException($"meta key '{(node as YamlScalarNode)?.Value}' is not a number from 0 to 255");
    }

    private static GoValue.Scalar Key(string name) => new(name);

    private static GoValue.List Strings(IEnumerable<string> values) => new(values.Select(v => (GoValue)new GoValue.Scalar(v)).ToList());
}

/// <summary>Free-form YAML as Go's yaml.v3 decodes it into map[string]any (resolve.go): typed plain scalars, sorted map keys.</summary>
public static class GoYamlValues
{
    public static GoValue FromYaml(YamlNode node) => node switch
    {
        YamlMappingNode map => GoValue.SortedMap(map.Children.Select(p => (Text(p.Key), FromYaml(p.Value)))),
        YamlSequenceNode list => new GoValue.List(list.Children.Select(FromYaml).ToList()),
        YamlScalarNode scalar => new GoValue.Scalar(Scalar(scalar)),
        _ => new GoValue.Scalar(null),
    };

    private static string Text(YamlNode node) => node is YamlScalarNode { Value: { } value } ? value : throw new FormatException("map keys must be scalars");

    public static object? Scalar(YamlScalarNode scalar)
    {
        var text = scalar.Value ?? "";
        if (scalar.Style is not (ScalarStyle.Plain or ScalarStyle.Any) || scalar.Tag.IsGlobal && scalar.Tag.Value.EndsWith(":str", StringComparison.Ordinal)) return text;
        switch (text)
        {
            case "" or "~" or "null" or "Null" or "NULL": return null;
            case "true" or "True" or "TRUE": return true;
            case "false" or "False" or "FALSE": return false;
            case ".inf" or ".Inf" or ".INF" or "+.inf" or "+.Inf" or "+.INF": return double.PositiveInfinity;
            case "-.inf" or "-.Inf" or "-.INF": return double.NegativeInfinity;
            case ".nan" or ".NaN" or ".NAN": return double.NaN;
        }
        if (GoIntegers.TryParse(text, out var integer, out _)) return integer;
        if (!GoYaml.ResolvesToString(text)
            && double.TryParse(text.Replace("_", "", StringComparison.Ordinal), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var real))
            return real;
        return text;
    }
}
