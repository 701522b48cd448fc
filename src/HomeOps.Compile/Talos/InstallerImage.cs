using System.Text.RegularExpressions;
using HomeOps.Compile.Talhelper;
using HomeOps.Model;
using HomeOps.Model.Talhelper;

namespace HomeOps.Compile.Talos;


/// <summary>
/// The installer image for a node: talosImageURL + ":" + version when given, otherwise the Image
/// Factory URL for the node's schematic (talhelper's installerURLTmpl, metal mode).
/// </summary>
public static partial class InstallerImage
{
    public const string DefaultRegistry = "factory.talos.dev";
    public const string DefaultTemplate = "{{.RegistryURL}}/{{.Mode}}-installer{{if .Secureboot}}-secureboot{{end}}/{{.ID}}:{{.Version}}";

    [GeneratedRegex(@"\{\{\s*if \.Secureboot\s*\}\}.*?\{\{\s*end\s*\}\}")]
    private static partial Regex SecurebootBlock();

    [GeneratedRegex(@"\{\{\s*\.(\w+)\s*\}\}")]
    private static partial Regex Field();

    public static string For(TalConfig config, ResolvedNode node, ReleaseVersion talos)
    {
        if (node.Settings.TalosImageURL is { Length: > 0 } url) return $"{url}:{talos}";
        var template = config.ImageFactory?.InstallerURLTmpl ?? DefaultTemplate;
        var values = new Dictionary<string, string>
        {
            ["RegistryURL"] = config.ImageFactory?.RegistryURL ?? DefaultRegistry,
            ["Mode"] = "metal",
            ["ID"] = SchematicId.Of(node.Settings.Schematic),
            ["Version"] = talos.ToString(),
        };
        var withoutSecureboot = SecurebootBlock().Replace(template, "");
        return Field().Replace(withoutSecureboot, m => values.TryGetValue(m.Groups[1].Value, out var v)
            ? v
            : throw new FormatException($"installerURLTmpl uses unknown field .{m.Groups[1].Value} (known: {string.Join(", ", values.Keys)})"));
    }
}
