using System.Text.Json.Nodes;
using HomeOps.Compile.Repository;
using HomeOps.Model;
using HomeOps.Model.Network;
using HomeOps.Model.Repository;
using HomeOps.Validate.Engine;

namespace HomeOps.Validate.Rules.Ingress;

/// <summary>
/// ingress/trusted-header-unprotected: an app that signs users in from a request header (Grafana's auth.proxy, set by
/// the SSO outpost in front of it) trusts whoever can reach it. Without a network policy that admits only the proxy,
/// any pod in the cluster can send the header and act as any user. Grafana is recognised in the grafana chart's values
/// (grafana.ini auth.proxy.enabled) and in kube-prometheus-stack's (grafana.grafana.ini ...); its pods carry the chart's
/// selector labels app.kubernetes.io/name: grafana and app.kubernetes.io/instance: the release name.
/// </summary>
public sealed class TrustedHeaderRules : IRuleSet
{
    public const string Id = "ingress/trusted-header-unprotected";

    public IReadOnlyList<RuleInfo> Rules { get; } =
    [
        new(Id, Severity.Error, "An app that trusts an auth-proxy header (Grafana auth.proxy) has no network policy limiting who may reach it: any pod can forge the header."),
    ];

    public void Check(RepoModel repo, RuleContext context)
    {
        foreach (var release in repo.OfKind("helm.toolkit.fluxcd.io", "HelmRelease"))
        {
            var chart = Manifest.Text(release.Get("/spec/chart/spec/chart"));
            var values = HelmValues.Merged(HelmValues.LayersOf(repo, release));
            var grafana = chart switch
            {
                "grafana" => values,
                "kube-prometheus-stack" => values.Field("grafana"),
                _ => null,
            };
            var proxy = grafana.Field("grafana.ini").Field("auth.proxy");
            if (proxy.Field("enabled") is not JsonValue v || !(v.TryGetValue<bool>(out var on) ? on : Manifest.Text(v) == "true")) continue;
            var ns = Manifest.Text(release.Get("/spec/targetNamespace")) ?? release.Namespace ?? "default";
            var labels = new Dictionary<string, string> { ["app.kubernetes.io/name"] = "grafana", ["app.kubernetes.io/instance"] = ReleaseName(release) };
            if (repo.Manifests.Any(m => Protects(m, ns, labels))) continue;
            var header = Manifest.Text(proxy.Field("header_name")) ?? "X-WEBAUTH-USER";
            context.Report(Id, release.At(chart == "grafana" ? "/spec/values/grafana.ini/auth.proxy/enabled" : "/spec/values/grafana/grafana.ini/auth.proxy/enabled"),
                $"Grafana of HelmRelease {release.Namespace}/{release.Name} signs users in from header {header} (auth.proxy), and no network policy in namespace {ns} limits who reaches its pods: any pod can send the header",
                $"add a CiliumNetworkPolicy (or NetworkPolicy) in {ns} selecting app.kubernetes.io/name: grafana whose ingress admits only the auth proxy's pods (and Prometheus, if it scrapes Grafana)");
        }
    }

    /// <summary>Flux's release name: spec.releaseName, else [targetNamespace-]name.</summary>
    private static string ReleaseName(Manifest release) =>
        Manifest.Text(release.Get("/spec/releaseName"))
        ?? (Manifest.Text(release.Get("/spec/targetNamespace")) is { } target ? $"{target}-{release.Name}" : release.Name);

    /// <summary>A policy in the namespace (or cluster-wide) that selects the pods and whose every ingress rule names its sources.</summary>
    private static bool Protects(Manifest policy, string ns, IReadOnlyDictionary<string, string> labels)
    {
        var (selector, rules, sources) = (policy.Group, policy.Kind) switch
        {
            ("networking.k8s.io", "NetworkPolicy") when policy.Namespace == ns => (policy.Get("/spec/podSelector"), policy.Get("/spec/ingress"), "from"),
            ("cilium.io", "CiliumNetworkPolicy") when policy.Namespace == ns => (policy.Get("/spec/endpointSelector"), policy.Get("/spec/ingress"), "fromEndpoints"),
            ("cilium.io", "CiliumClusterwideNetworkPolicy") => (policy.Get("/spec/endpointSelector"), policy.Get("/spec/ingress"), "fromEndpoints"),
            _ => (null, null, ""),
        };
        if (rules is not JsonArray ingress || sources.Length == 0) return false;
        if (policy.Kind == "CiliumClusterwideNetworkPolicy" && !LabelSelector.Matches(selector, WithNamespace(labels, ns), LabelSelector.WhenEmpty.SelectsAll)) return false;
        if (policy.Kind != "CiliumClusterwideNetworkPolicy" && !LabelSelector.Matches(selector, labels, LabelSelector.WhenEmpty.SelectsAll)) return false;
        // an empty rule, or one without named sources, admits everyone
        return ingress.All(rule => rule.Field(sources) is JsonArray { Count: > 0 } from && from.All(f => f is JsonObject { Count: > 0 }));
    }

    private static Dictionary<string, string> WithNamespace(IReadOnlyDictionary<string, string> labels, string ns) =>
        new(labels) { ["k8s:io.kubernetes.pod.namespace"] = ns, ["io.kubernetes.pod.namespace"] = ns };
}
