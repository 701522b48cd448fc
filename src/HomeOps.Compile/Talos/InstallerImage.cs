using HomeOps.Compile.Talhelper;
using HomeOps.Compile.Talhelper.Templates;
using HomeOps.Model;
using HomeOps.Model.Talhelper;

namespace HomeOps.Compile.Talos;

/// <summary>
/// A node's installer image and boot media URL, as talhelper computes them (pkg/talos/nodeconfig.go installerURL,
/// pkg/talos/schematic.go GetInstallerURL/GetImageURL, defaults in pkg/config/defaults.go): talosImageURL + ":" + version when
/// given, otherwise the image factory template rendered (Go text/template + sprig) with the schematic's ID, the node's
/// machineSpec mode and secureboot flag. The ID is the one computed offline; `homeops talos schematic` registers it.
/// </summary>
public static class InstallerImage
{
    public const string DefaultRegistry = "factory.talos.dev";
    public const string DefaultTemplate = "{{.RegistryURL}}/{{.Mode}}-installer{{if .Secureboot}}-secureboot{{end}}/{{.ID}}:{{.Version}}";
    public const string DefaultImageTemplate = "{{.Protocol}}://{{.RegistryURL}}/image/{{.ID}}/{{.Version}}/{{.Mode}}-{{.Arch}}{{if .Secureboot}}-secureboot{{end}}{{if and .Secureboot .UseUKI}}-uki.efi{{ else }}{{.Suffix}}{{end}}";

    /// <summary>The installer image; throws <see cref="TemplateException"/> for a template that does not run.</summary>
    public static string For(TalConfig config, ResolvedNode node, ReleaseVersion talos)
    {
        var version = talos.ToString();
        if (node.Settings.TalosImageURL is { Length: > 0 } url) return $"{url}:{version}";
        var spec = node.Settings.MachineSpec;
        var data = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["RegistryURL"] = Registry(config),
            ["ID"] = SchematicId.Of(node.Settings.Schematic),
            ["Version"] = version,
            ["Mode"] = spec?.Mode is { Length: > 0 } mode ? mode : "metal",
            ["Secureboot"] = spec?.Secureboot == true,
        };
        return GoTemplate.Render("installerURLTmpl", Template(config), data);
    }

    /// <summary>The boot media (ISO, disk image, PXE) URL for the node's imageSchematic (else its schematic), talhelper `genurl image`.</summary>
    public static string BootImage(TalConfig config, ResolvedNode node, ReleaseVersion talos)
    {
        var spec = node.Settings.MachineSpec;
        var bootMethod = spec?.BootMethod is { Length: > 0 } method ? method : "iso";
        var secureboot = spec?.Secureboot == true;
        var uki = spec?.UseUKI == true;
        // GetMachineSpec defaults imageSuffix to "iso", so talhelper's bootMethod-derived suffix (parseImageSuffix) is never used
        var suffix = "." + (spec?.ImageSuffix is { Length: > 0 } given ? given : "iso");
        var data = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["BootMethod"] = bootMethod,
            ["Suffix"] = suffix,
            ["Protocol"] = config.ImageFactory?.Protocol is { Length: > 0 } protocol ? protocol : "https",
            ["RegistryURL"] = Registry(config),
            ["ID"] = SchematicId.Of(node.Settings.ImageSchematic ?? node.Settings.Schematic),
            ["Version"] = talos.ToString(),
            ["Mode"] = spec?.Mode is { Length: > 0 } mode ? mode : "metal",
            ["Arch"] = spec?.Arch is { Length: > 0 } arch ? arch : "amd64",
            ["Secureboot"] = secureboot,
            ["UseUKI"] = uki,
        };
        var template = config.ImageFactory?.IsoUrlTmpl ?? config.ImageFactory?.ImageURLTmpl;
        return GoTemplate.Render("ISOURLTmpl", template is { Length: > 0 } ? template : DefaultImageTemplate, data);
    }

    public static string Registry(TalConfig config) => config.ImageFactory?.RegistryURL is { Length: > 0 } registry ? registry : DefaultRegistry;

    /// <summary>Where the factory takes schematics: protocol://registry/schematics.</summary>
    public static string SchematicEndpoint(TalConfig config) =>
        $"{(config.ImageFactory?.Protocol is { Length: > 0 } protocol ? protocol : "https")}://{Registry(config)}{(config.ImageFactory?.SchematicEndpoint is { Length: > 0 } path ? path : "/schematics")}";

    private static string Template(TalConfig config) =>
        config.ImageFactory?.InstallerURLTmpl is { Length: > 0 } template ? template : DefaultTemplate;
}
