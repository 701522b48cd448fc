using System.Text.Json.Nodes;
using HomeOps.Compile.Secrets;
using HomeOps.Compile.Talhelper;
using HomeOps.Model;
using HomeOps.Model.Repository;

namespace HomeOps.Compile.Talos;

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
