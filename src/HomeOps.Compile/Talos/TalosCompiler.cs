using System.Collections;
using System.Text.Json.Nodes;
using HomeOps.Compile.Secrets;
using HomeOps.Compile.Talhelper;
using HomeOps.Compile.Talhelper.Templates;
using HomeOps.Compile.Talos.Lines;
using HomeOps.Model;
using HomeOps.Model.Repository;
using HomeOps.Model.Talhelper;
using HomeOps.Model.Yaml;
using YamlDotNet.RepresentationModel;

namespace HomeOps.Compile.Talos;

/// <summary>talconfig.yaml → checked plan → per-node machine configs. Pure apart from reading the source tree; the schema check is the caller's.</summary>
public static class TalosCompiler
{
    public static TalosPlan? Plan(ISourceTree tree, string path, IDictionary environment, FindingBag findings)
    {
        var local = new FindingBag();
        var used = new List<Substitution>();
        var plan = Plan(tree, path, environment, local, used);
        foreach (var finding in local.Sorted()) findings.Add(Redaction.Apply(finding, used));
        return plan;
    }

    /// <summary>
    /// talconfig.yaml as <see cref="Plan(ISourceTree, string, IDictionary, FindingBag)"/> reads it, variables (.env, talenv.yaml, the allowed environment names)
    /// substituted, without planning it. No finding quotes a substituted value; <paramref name="substituted"/> lists them, so
    /// a caller can redact its own findings about the config too.
    /// </summary>
    public static TalConfig? Load(ISourceTree tree, string path, IDictionary environment, FindingBag findings, out IReadOnlyList<Substitution> substituted)
    {
        var local = new FindingBag();
        var used = new List<Substitution>();
        var config = Load(tree, path, environment, local, used, out _, out _);
        foreach (var finding in local.Sorted()) findings.Add(Redaction.Apply(finding, used));
        substituted = used;
        return config;
    }

    private static TalConfig? Load(ISourceTree tree, string path, IDictionary environment, FindingBag findings, List<Substitution> used,
        out string directory, out IReadOnlyDictionary<string, string> variables)
    {
        directory = Path.GetDirectoryName(path)?.Replace('\\', '/') ?? "";
        variables = TalConfigLoader.Variables(tree, directory, environment, findings);
        return TalConfigLoader.Load(tree, path, variables, findings, used);
    }

    private static TalosPlan? Plan(ISourceTree tree, string path, IDictionary environment, FindingBag findings, List<Substitution> used)
    {
        var config = Load(tree, path, environment, findings, used, out var directory, out var variables);
        if (config is null) return null;
        var nodes = NodeResolver.Resolve(config, findings);
        TalConfigChecks.Check(config, nodes, findings);

        var talos = TalConfigChecks.Version(config, "talosVersion", config.TalosVersion, findings)
                    ?? (config.TalosVersion is null ? TalosLines.Newest.SourceTag : null);
        if (config.KubernetesVersion is null)
            findings.Add(Finding.Error("talos/config", config.Location, "missing kubernetesVersion",
                $"add kubernetesVersion: with a version your Talos line supports, e.g. v{TalosLines.Newest.Kubernetes.Default}"));
        var kubernetes = TalConfigChecks.Version(config, "kubernetesVersion", config.KubernetesVersion, findings);
        if (talos is null) return null;
        var line = TalosLines.For(talos, out var problem);
        if (line is null)
        {
            findings.Add(Finding.Error("talos/version", config.TalosVersion is null ? config.Location : config.LocationOf("talosVersion"),
                $"talosVersion {talos}: {problem}", "pick a Talos release of a known line, or add the line's data file"));
            return null;
        }
        if (config.TalosVersion is null)
            findings.Add(Finding.Warning("talos/version", config.Location, $"no talosVersion: using {talos}, the newest release homeops has a contract for (talhelper does the same with its own newest)",
                "pin talosVersion: so the cluster does not change when homeops does"));
        if (kubernetes is not null && !line.Kubernetes.Supports(kubernetes))
            findings.Add(Finding.Error("talos/version", config.LocationOf("kubernetesVersion"),
                $"Kubernetes {kubernetes} is not supported by Talos {line.Name} (it runs Kubernetes {line.Kubernetes.Range}: {line.Kubernetes.Min} ≤ version < {line.Kubernetes.MaxExclusive})",
                kubernetes < line.Kubernetes.Min
                    ? $"upgrade Kubernetes to at least {line.Kubernetes.Min} before moving to Talos {line.Name} (`homeops upgrade kubernetes`), or stay on an older Talos line"
                    : $"upgrade Talos to a line that supports Kubernetes {kubernetes.Line} first (`homeops upgrade talos`), or pick Kubernetes {line.Kubernetes.Range}"));
        return findings.HasErrors || kubernetes is null ? null : new TalosPlan(config, nodes, talos, kubernetes, line, directory, variables, used);
    }

    public static TalosRender Render(TalosPlan plan, ISourceTree tree, SecretsBundle secrets, DateTimeOffset now, FindingBag findings)
    {
        var local = new FindingBag();
        var render = Render(plan, tree, secrets, now, local, out var substituted);
        var seen = new HashSet<(SourceLocation, string, string)>();
        foreach (var finding in local.Sorted())
            if (seen.Add((finding.Location, finding.Rule, finding.Message))) // a patch shared by every node is reported once
                findings.Add(Redaction.Apply(finding, [.. plan.Substitutions, .. substituted]));
        return render;
    }

    private static TalosRender Render(TalosPlan plan, ISourceTree tree, SecretsBundle secrets, DateTimeOffset now, FindingBag findings, out List<Substitution> used)
    {
        used = [];
        var files = new ContentFiles(tree, plan.ConfigDirectory, plan.Variables, used);
        var patcher = new PatchApplier(tree, plan.ConfigDirectory, plan.Variables, findings, used);
        var rendered = new List<RenderedNode>();
        foreach (var node in plan.Nodes)
        {
            string installer, file;
            try
            {
                installer = InstallerImage.For(plan.Config, node, plan.Talos);
                file = plan.MachineConfigPath(node);
            }
            catch (Exception e) when (e is TemplateException or FormatException)
            {
                findings.Add(Finding.Error("talos/config", plan.Config.LocationOf("imageFactory"), $"{node.Hostname}: {e.Message}", "fix the template (Go text/template syntax)"));
                continue;
            }
            var documents = MachineConfigGenerator.Generate(plan, node, secrets, installer, files, findings);
            var applied = patcher.Apply(documents, node.Patches);
            ExtraManifests(documents, node, files, findings);
            var hidden = new List<string>();
            foreach (var change in LegacyFields.Apply(documents, plan.Line))
            {
                var at = Origin(change.Path, applied) ?? node.Node.Location;
                findings.Add(change.IsError ? Finding.Error("talos/legacy-field", at, change.Message, change.Hint) : Finding.Warning("talos/legacy-field", at, change.Message, change.Hint));
                if (change.Hidden) hidden.Add(change.Path);
            }
            DocumentChecks.Check(documents, plan.Line, node, file, findings);
            foreach (var document in documents) ConfigTypes.Talos.Order(document);
            var forSchema = documents.Select(d => (JsonObject)d.DeepClone()).ToList();
            foreach (var path in hidden) Remove(forSchema[0], path);
            rendered.Add(new RenderedNode(node, file, documents, forSchema, installer, SchematicId.Of(node.Settings.Schematic)));
        }
        var controlPlanes = plan.Nodes.Where(n => n.ControlPlane).SelectMany(n => n.Node.IpAddresses);
        var talosconfig = Talosconfig.Create(plan.Config.ClusterName, controlPlanes, plan.Nodes.SelectMany(n => n.Node.IpAddresses), secrets, now);
        return new TalosRender(rendered, plan.TalosconfigPath, talosconfig);
    }

    /// <summary>extraManifests (deprecated in talhelper): each file templated against the config and appended as documents, never substituted.</summary>
    private static void ExtraManifests(List<JsonObject> documents, Talhelper.ResolvedNode node, ContentFiles files, FindingBag findings)
    {
        if (node.Settings.ExtraManifests is not { Count: > 0 } manifests) return;
        var at = node.Settings.LocationOf("extraManifests");
        findings.Add(Finding.Warning("talos/config", at, $"{node.Hostname}: extraManifests is deprecated in talhelper", "use patches: instead"));
        var snapshot = ConfigTemplateData.Of((JsonObject)documents[0].DeepClone());
        foreach (var manifest in manifests)
        {
            var path = files.PathOf(manifest.StartsWith('@') ? manifest : "@" + manifest)!;
            if (!files.Exists(path))
            {
                findings.Add(Finding.Error("talos/config", at, $"extraManifests file {path} not found", "paths are relative to talconfig.yaml"));
                continue;
            }
            string text;
            try { text = GoTemplate.Render(path, files.Read(path), snapshot); }
            catch (TemplateException e)
            {
                findings.Add(Finding.Error("talos/template", SourceLocation.InFile(path), e.Message, "fix the Go template"));
                continue;
            }
            try
            {
                foreach (var document in YamlDocuments.Parse(text, path, findings).Where(d => d.RootNode is YamlMappingNode))
                    if (YamlJson.ToJson(document.RootNode) is JsonObject json) documents.Add(json);
            }
            catch (FormatException e) { findings.Add(Finding.Error("yaml/syntax", SourceLocation.InFile(path), e.Message, "simplify the document")); }
        }
    }

    /// <summary>The patch file and line that wrote <paramref name="path"/> (the last patch that has it wins), if a file patch did.</summary>
    private static SourceLocation? Origin(string path, IReadOnlyList<AppliedPatch> applied)
    {
        var pointer = "/" + path.Replace('.', '/');
        foreach (var patch in applied.Reverse())
        {
            JsonNode? node = patch.Document;
            foreach (var part in path.Split('.')) node = node is JsonObject o ? o[part] : null;
            if (node is null) continue;
            return patch.Positions.TryGetValue(pointer, out var mark) ? YamlDocuments.At(patch.File, mark) : patch.Source.At;
        }
        return null;
    }

    private static void Remove(JsonObject root, string path)
    {
        var parts = path.Split('.');
        JsonNode? node = root;
        foreach (var part in parts[..^1]) node = node is JsonObject o ? o[part] : null;
        (node as JsonObject)?.Remove(parts[^1]);
    }
}
