using System.Text.Json.Nodes;
using HomeOps.Compile.Repository;
using HomeOps.Model;
using HomeOps.Model.Repository;
using HomeOps.Model.Yaml;
using HomeOps.Validate.Engine;

namespace HomeOps.Validate.Rules.Monitoring;

/// <summary>
/// monitoring/absent-component: kube-prometheus-stack monitors kube-proxy by default (kubeProxy.enabled: true, values.yaml
/// @ kube-prometheus-stack-75.18.1) with the alert KubeProxyDown = absent(up{job="kube-proxy"} == 1) for 15m
/// (templates/prometheus/rules-1.14/kubernetes-system-kube-proxy.yaml). On a cluster whose Talos config disables
/// kube-proxy (cluster.proxy.disabled: true, as when Cilium replaces it) there is never such a series, so the alert
/// fires for ever and hides real alerts.
/// </summary>
public sealed class AbsentComponentRules : IRuleSet
{
    public const string Id = "monitoring/absent-component";

    public IReadOnlyList<RuleInfo> Rules { get; } =
    [
        new(Id, Severity.Warning, "kube-prometheus-stack monitors kube-proxy (kubeProxy.enabled, true by default) on a cluster whose Talos config disables kube-proxy: KubeProxyDown fires for ever."),
    ];

    public void Check(RepoModel repo, RuleContext context)
    {
        if (repo.Talos is not { } talos || !ProxyDisabled(repo.Source, talos.ConfigDirectory, talos.Config)) return;
        foreach (var release in repo.OfKind("helm.toolkit.fluxcd.io", "HelmRelease")
                     .Where(r => Manifest.Text(r.Get("/spec/chart/spec/chart")) == "kube-prometheus-stack"))
        {
            var values = HelmValues.Merged(HelmValues.LayersOf(repo, release));
            var enabled = values.Field("kubeProxy").Field("enabled");
            if (enabled is JsonValue v && v.TryGetValue<bool>(out var on) && !on) continue;
            context.Report(Id, release.At(enabled is null ? "/spec" : "/spec/values/kubeProxy/enabled"),
                $"HelmRelease {release.Namespace}/{release.Name} monitors kube-proxy (kubeProxy.enabled {(enabled is null ? "unset, true by default" : "true")}), but talconfig's patches disable kube-proxy (cluster.proxy.disabled): KubeProxyDown fires for ever",
                "set kubeProxy.enabled: false in its values (that drops the Service, the ServiceMonitor and the kube-proxy alert rules)");
        }
    }

    /// <summary>True when a patch talconfig applies (global, controlPlane, worker or node; file or inline) sets cluster.proxy.disabled: true.</summary>
    private static bool ProxyDisabled(ISourceTree source, string directory, Model.Talhelper.TalConfig config)
    {
        var patches = (config.Patches ?? []).Concat(config.ControlPlane?.Patches ?? []).Concat(config.Worker?.Patches ?? [])
            .Concat(config.Nodes.SelectMany(n => n.Patches ?? []));
        foreach (var written in patches)
        {
            var patch = YamlJson.ToJson(written);
            IEnumerable<JsonNode?> documents = [patch];
            if (Manifest.Text(patch) is { } reference && reference.StartsWith('@'))
            {
                var path = RepoPath.Join(directory, reference[1..]);
                if (!source.Exists(path)) continue;
                var findings = new FindingBag();
                documents = YamlDocuments.Parse(source.ReadText(path), path, findings).Select(d => YamlJson.ToJson(d.RootNode));
            }
            foreach (var document in documents)
            {
                if (document.Field("cluster").Field("proxy").Field("disabled") is JsonValue d && d.TryGetValue<bool>(out var disabled) && disabled) return true;
                // an RFC 6902 patch: [{op: add|replace, path: /cluster/proxy/disabled, value: true}]
                if (document is JsonArray operations && operations.Any(o => Manifest.Text(o.Field("path")) == "/cluster/proxy/disabled"
                        && o.Field("value") is JsonValue value && value.TryGetValue<bool>(out var set) && set)) return true;
            }
        }
        return false;
    }
}
