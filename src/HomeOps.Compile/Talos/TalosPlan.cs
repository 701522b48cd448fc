using HomeOps.Compile.Talhelper;
using HomeOps.Compile.Talhelper.Templates;
using HomeOps.Compile.Talos.Lines;
using HomeOps.Model;
using HomeOps.Model.Repository;
using HomeOps.Model.Talhelper;
using HomeOps.Model.Yaml;

namespace HomeOps.Compile.Talos;

/// <summary>A loaded, checked talconfig with its nodes resolved: everything genconfig needs but the secrets.</summary>
public sealed record TalosPlan(
    TalConfig Config,
    IReadOnlyList<ResolvedNode> Nodes,
    ReleaseVersion Talos,
    ReleaseVersion Kubernetes,
    TalosLine Line,
    string ConfigDirectory,
    IReadOnlyDictionary<string, string> Variables,
    IReadOnlyList<Substitution> Substitutions)
{
    public string OutputDirectory => RepoPath.Join(ConfigDirectory, "talos/clusterconfig");

    /// <summary>talhelper's default output file name (pkg/config/outputfilename.go); filenameTmpl changes it per node.</summary>
    public const string DefaultFilenameTemplate = "{{ .ClusterName }}-{{ .Hostname }}.yaml";

    /// <summary>Where genconfig writes <paramref name="hostname"/>'s machine config, relative to the repository root.</summary>
    public string MachineConfigPath(string hostname) =>
        Nodes.FirstOrDefault(n => n.Hostname == hostname) is { } node ? MachineConfigPath(node) : RepoPath.Join(OutputDirectory, $"{Config.ClusterName}-{hostname}.yaml");

    /// <summary>The node's output file: its filenameTmpl rendered with ClusterName, Hostname, IPAddress and Role.</summary>
    public string MachineConfigPath(ResolvedNode node) => RepoPath.Join(OutputDirectory, FileName(Config, node));

    /// <summary>The rendered filenameTmpl; throws <see cref="TemplateException"/> for a template that fails or a name that is not a plain file name.</summary>
    public static string FileName(TalConfig config, ResolvedNode node)
    {
        var template = node.Settings.FilenameTmpl is { Length: > 0 } t ? t : DefaultFilenameTemplate;
        var name = GoTemplate.Render("filenameTmpl", template, new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["ClusterName"] = config.ClusterName,
            ["Hostname"] = node.Hostname,
            ["IPAddress"] = node.Node.IpAddress,
            ["Role"] = node.ControlPlane ? "controlplane" : "worker",
        });
        if (name.Length == 0 || name is "." or ".." || name.IndexOfAny(['/', '\\', '\0', '\n', '\r']) >= 0)
            throw new TemplateException($"filenameTmpl gives '{name}' for {node.Hostname}, which is not a plain file name");
        return name;
    }

    /// <summary>The talosconfig genconfig writes beside the machine configs, relative to the repository root.</summary>
    public string TalosconfigPath => RepoPath.Join(OutputDirectory, "talosconfig");
}
