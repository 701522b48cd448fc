using System.Text.Json.Nodes;
using HomeOps.Compile.Secrets;
using HomeOps.Compile.Talhelper;
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
    string ConfigDirectory,
    IReadOnlyDictionary<string, string> Variables)
{
    public string OutputDirectory => RepoPath.Join(ConfigDirectory, "talos/clusterconfig");

    /// <summary>Where genconfig writes <paramref name="hostname"/>'s machine config, relative to the repository root.</summary>
    public string MachineConfigPath(string hostname) => RepoPath.Join(OutputDirectory, $"{Config.ClusterName}-{hostname}.yaml");

    /// <summary>The talosconfig genconfig writes beside the machine configs, relative to the repository root.</summary>
    public string TalosconfigPath => RepoPath.Join(OutputDirectory, "talosconfig");
}

/// <summary>
/// One node's rendered machine config. <see cref="SchemaDocuments"/> are the same documents as the official
/// schema should see them: deprecated fields Talos still honours are left out, having been reported once already.
/// </summary>
public sealed record RenderedNode(ResolvedNode Node, string Path, IReadOnlyList<JsonObject> Documents, IReadOnlyList<JsonObject> SchemaDocuments,
    string InstallerImage, string SchematicId)
{
    public string Yaml => YamlJson.ToYaml(Documents);
}

/// <summary>Everything genconfig writes. All of it holds key material.</summary>
public sealed record TalosRender(IReadOnlyList<RenderedNode> Nodes, string TalosconfigPath, JsonObject Talosconfig);

/// <summary>talconfig.yaml → checked plan → per-node machine configs. Pure apart from reading the source tree; the schema check is the caller's.</summary>
public static class TalosCompiler
{
    public const string DefaultTalosVersion = "v1.10.5";
    private static readonly ReleaseVersion OldestSupported = new(1, 10, 0);

    public static TalosPlan? Plan(ISourceTree tree, string path, System.Collections.IDictionary environment, FindingBag findings)
    {
        var variables = TalConfigLoader.Variables(tree, environment, findings);
        var config = TalConfigLoader.Load(tree, path, variables, findings);
        if (config is null) return null;
        var nodes = NodeResolver.Resolve(config);
        TalConfigChecks.Check(config, nodes, findings);
        if (!ReleaseVersion.TryParse(config.TalosVersion ?? DefaultTalosVersion, out var talos)
            || !ReleaseVersion.TryParse(config.KubernetesVersion, out var kubernetes))
        {
            if (config.KubernetesVersion is null)
                findings.Add(Finding.Error("talos/config", config.Location, "missing kubernetesVersion", "add kubernetesVersion: v1.31.1"));
            return null;
        }
        if (talos < OldestSupported)
            findings.Add(Finding.Error("talos/config", config.LocationOf("talosVersion"),
                $"talosVersion {talos} is older than {OldestSupported.Line}, the oldest config contract homeops generates", "upgrade Talos first"));
        var directory = Path.GetDirectoryName(path)?.Replace('\\', '/') ?? "";
        return findings.HasErrors ? null : new TalosPlan(config, nodes, talos, kubernetes, directory, variables);
    }

    public static TalosRender Render(TalosPlan plan, ISourceTree tree, SecretsBundle secrets, DateTimeOffset now, FindingBag findings)
    {
        var patcher = new PatchApplier(tree, plan.ConfigDirectory, plan.Variables, findings);
        var rendered = new List<RenderedNode>();
        foreach (var node in plan.Nodes)
        {
            string installer;
            try { installer = InstallerImage.For(plan.Config, node, plan.Talos); }
            catch (FormatException e)
            {
                findings.Add(Finding.Error("talos/config", plan.Config.LocationOf("imageFactory"), e.Message, "use the fields of the default template"));
                continue;
            }
            var documents = new List<JsonObject> { MachineConfigGenerator.Generate(plan.Config, node, secrets, plan.Kubernetes, installer) };
            documents.AddRange(MachineConfigGenerator.ExtraDocuments(node.Settings));
            patcher.Apply(documents, node.Patches);
            var file = plan.MachineConfigPath(node.Hostname);
            var forSchema = Deprecations.Migrate(documents[0], node.Node.Location, findings);
            rendered.Add(new RenderedNode(node, file, documents, [forSchema, .. documents.Skip(1)], installer, SchematicId.Of(node.Settings.Schematic)));
        }
        var controlPlanes = plan.Nodes.Where(n => n.ControlPlane).Select(n => n.Node.IpAddress);
        var talosconfig = Talosconfig.Create(plan.Config.ClusterName, controlPlanes, plan.Nodes.Select(n => n.Node.IpAddress), secrets, now);
        return new TalosRender(rendered, plan.TalosconfigPath, talosconfig);
    }
}
