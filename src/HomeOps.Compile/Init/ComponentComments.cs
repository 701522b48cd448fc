using HomeOps.Model.Init;

namespace HomeOps.Compile.Init;

/// <summary>
/// Comments in kept reference files that describe a part the spec leaves out (SSO, the tunnel, Longhorn, monitoring, BGP), reworded so a new
/// operator's tree never promises what it does not hold. Each rewording is exact (<see cref="ReferenceRepository.Edited"/>):
/// when the reference changes one, every spec without that part fails here, naming this class.
/// </summary>
public static class ComponentComments
{
    private sealed record Rewording(Func<ClusterSpec, bool> Applies, string Path, string From, string To);

    private static readonly Lazy<Rewording[]> Rewordings = new(() =>
    {
        var reference = ReferenceRepository.Facts;
        var chain = $"clusters/{reference.Name}/";
        static bool NoSso(ClusterSpec spec) => !spec.Components.Sso;
        static bool NoTunnel(ClusterSpec spec) => !spec.Components.CloudflareTunnel;
        return
        [
            new(NoSso, chain + "apps.yaml", "# Flux Kustomization for applications; runs after identity is up.\n", "# Flux Kustomization for applications.\n"),
            new(NoSso, "infrastructure/cert-manager-issuers/kustomization.yaml",
                "The wildcard Certificate lives with\n# its consumer in infrastructure/authentik-proxy.\n", "A Certificate lives with the\n# Ingress that uses it.\n"),
            new(NoSso, "infrastructure/ingress-nginx/helmrelease-internal.yaml",
                "# Only authentik-proxy's Ingress uses it.\n", "# No SSO stands in front of the Ingresses of this class.\n"),
            new(NoSso, "infrastructure/longhorn/helmrelease.yaml",
                "    # UI is reached as https://longhorn.${DOMAIN_INTERNAL} via authentik-proxy\n",
                "    # no SSO: the UI is not published (kubectl -n longhorn-system port-forward svc/longhorn-frontend 8080:80)\n"),
            new(NoTunnel, chain + "infrastructure.yaml",
                "# Flux webhook Receiver, Alert/Provider and their ExternalSecrets.\n", "# Flux's Alert/Provider and their ExternalSecrets.\n"),
            new(NoTunnel, chain + "infrastructure.yaml",
                "# ingress-nginx internal (nginx-internal) and public (nginx-public).\n", "# ingress-nginx internal (nginx-internal).\n"),
            new(NoTunnel, chain + "infrastructure.yaml", $" and Cloudflare ({reference.ExternalDomain}).\n", ".\n"),
            new(NoTunnel, "infrastructure/external-dns/kustomization.yaml",
                "# Two instances: UniFi (UDM Pro, internal zone) and Cloudflare (public zone).\n", "# One instance: UniFi (UDM Pro, internal zone).\n"),
            new(NoTunnel, chain + "flux-system/kustomization.yaml",
                "# The webhook Receiver and the Alert/Provider live in ./config", "# The Alert and its Provider live in ./config"),
            new(spec => !spec.Components.Monitoring, "infrastructure/prometheus-operator-crds/kustomization.yaml",
                "# kube-prometheus-stack runs with crds.enabled=false; the CRDs come from here\n", "# No monitoring stack is installed; the CRDs still come from here\n"),
            new(spec => !spec.Components.Longhorn, "infrastructure/monitoring/helmrelease.yaml",
                "        # Longhorn is reconciled after monitoring (see homeops docs/gitops/chain.md):\n        # Prometheus keeps its TSDB on emptyDir.\n",
                "        # Prometheus keeps its TSDB on emptyDir: this cluster installs no storage class.\n"),
            new(spec => spec.Bgp is null, chain + "infrastructure.yaml", ", BGP, LB-IPAM pools.\n", ", LB-IPAM pools, L2 announcements.\n"),
        ];
    });

    /// <summary>The reference file's text with the comments about parts the spec leaves out reworded.</summary>
    public static string Edited(ClusterSpec spec, string path, string text)
    {
        var edits = Rewordings.Value.Where(r => r.Path == path && r.Applies(spec)).Select(r => (r.From, r.To)).ToList();
        return edits.Count == 0 ? text : ReferenceRepository.Edited(path, text, edits, nameof(ComponentComments));
    }
}
