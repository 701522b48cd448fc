using System.Text.RegularExpressions;
using HomeOps.Model.Init;

namespace HomeOps.Compile.Init;

/// <summary>
/// The GitOps side of a new repository (clusters/&lt;name&gt;/, infrastructure/, apps/, bootstrap-config.yaml): the embedded
/// reference tree with the optional components a spec leaves out removed, the files that hold the cluster's shape generated
/// from the spec (cluster-settings, LB pools, Cilium values and announcements, the Flux chain), and the reference cluster's
/// name, domains, addresses, Git repository and 1Password vault replaced by the spec's wherever else they are written
/// (mostly comments: manifests read them from cluster-settings). The reference spec gives the reference tree back.
/// </summary>
public static partial class GitOpsTree
{
    private const string ClustersPrefix = "clusters/";
    private const string IngressPoolLabel = "io.cilium/lb-ipam-pool: ";
    private const string PublicIngressPath = "infrastructure/ingress-nginx/helmrelease-public.yaml";
    private const string ProxyIngressPath = "infrastructure/authentik-proxy/ingress.yaml";
    private const string BlueprintsPath = "infrastructure/authentik/blueprints.yaml";
    private const string LonghornPath = "infrastructure/longhorn/helmrelease.yaml";
    private const string MonitoringPath = "infrastructure/monitoring/helmrelease.yaml";
    private const string GrafanaPolicyPath = "infrastructure/monitoring/networkpolicy-grafana.yaml";
    private const string AuthentikDatabasePath = "infrastructure/authentik-database/cluster.yaml";
    private const string ExternalDnsSecretsPath = "infrastructure/external-dns/externalsecrets.yaml";
    private const string FluxConfigFolder = "flux-system/config/";

    /// <summary>What each optional component brings, as reference paths (a trailing '/' is a whole folder).</summary>
    private static IEnumerable<string> LeftOutPaths(ClusterSpec spec, ReferenceFacts reference)
    {
        var components = spec.Components;
        if (!components.Sso)
            // whoami shows an app behind authentik-proxy: without SSO it has no way in; backup-settings says where
            // Authentik's database keeps its backups
            // Authentik's is the only PostgreSQL, so the CloudNativePG operator and its chart source go too
            foreach (var path in new[]
            {
                "infrastructure/authentik/", "infrastructure/authentik-database/", "infrastructure/authentik-proxy/", "apps/whoami/", "infrastructure/backup-settings/",
                "infrastructure/sources/authentik.yaml", "infrastructure/cloudnative-pg/", "infrastructure/sources/cloudnative-pg.yaml",
                // it admits only the outpost, because Grafana trusted the outpost's user header (which goes too, below)
                GrafanaPolicyPath,
            })
                yield return path;
        if (!components.CloudflareTunnel)
            // cluster-secrets holds only the tunnel's ID, and the onepassword Kustomization waits for it
            foreach (var path in new[]
            {
                "infrastructure/cloudflared/", PublicIngressPath, "infrastructure/external-dns/helmrelease-cloudflare.yaml",
                "infrastructure/onepassword-connect/cluster-secrets.yaml",
                // GitHub reaches Flux's webhook Receiver only through the tunnel
                $"{ClustersPrefix}{reference.Name}/{FluxConfigFolder}receiver.yaml",
            })
                yield return path;
        if (!components.Longhorn)
            // whoami's volume asks for Longhorn storage
            foreach (var path in new[] { "infrastructure/longhorn/", "infrastructure/longhorn-backup/", "apps/whoami/", "infrastructure/sources/longhorn.yaml" })
                yield return path;
        if (!components.Monitoring)
            yield return "infrastructure/monitoring/";
        if (spec.Bgp is null)
            yield return CiliumAnnouncements.BgpPath;
    }

    public static IEnumerable<GeneratedFile> For(ClusterSpec spec)
    {
        var reference = ReferenceRepository.Facts;
        var leftOut = LeftOutPaths(spec, reference).ToHashSet(StringComparer.Ordinal);
        var generated = new[] { ClusterSettings.For(spec), LoadBalancerPools.For(spec), CiliumValues.For(spec) }
            .ToDictionary(f => f.Path, StringComparer.Ordinal);
        var map = TextMap(spec, reference);
        var removed = new LeftOut(leftOut, LeftOutKustomizations(leftOut), LeftOutNamespaces(leftOut));
        foreach (var path in ReferenceRepository.Paths)
        {
            if (IsLeftOut(path, leftOut)) continue;
            var target = Renamed(path, reference.Name, spec.Cluster.Name);
            yield return generated.TryGetValue(target, out var file) ? file
                : new GeneratedFile(target, map(Edited(spec, path, ReferenceRepository.Read(path), removed)));
        }
        if (CiliumAnnouncements.L2Policy(spec) is { } policy) yield return policy;
    }

    /// <summary>What the spec leaves out: paths, the Flux Kustomizations that applied them, and namespaces no HelmRelease is left in.</summary>
    private sealed record LeftOut(HashSet<string> Paths, IReadOnlyList<string> Kustomizations, IReadOnlyList<string> Namespaces);

    /// <summary>The namespaces of the HelmReleases left out that no kept HelmRelease shares (Flux's Alert watches HelmReleases per namespace).</summary>
    private static IReadOnlyList<string> LeftOutNamespaces(HashSet<string> leftOut)
    {
        var byNamespace = ReferenceRepository.Paths.Where(p => p.StartsWith("infrastructure/", StringComparison.Ordinal))
            .SelectMany(p => HelmReleaseNamespace().Matches(ReferenceRepository.Read(p)).Select(m => (Namespace: m.Groups[1].Value, Kept: !IsLeftOut(p, leftOut))))
            .GroupBy(r => r.Namespace, StringComparer.Ordinal);
        return [.. byNamespace.Where(g => !g.Any(r => r.Kept)).Select(g => g.Key).Order(StringComparer.Ordinal)];
    }

    /// <summary>The Flux Kustomizations (of every file under clusters/&lt;reference&gt;/) that apply a folder left out.</summary>
    private static IReadOnlyList<string> LeftOutKustomizations(HashSet<string> leftOut)
    {
        var folders = leftOut.Where(p => p.EndsWith('/')).ToList();
        return [.. ReferenceRepository.Paths.Where(IsFluxChainFile).SelectMany(p => FluxChain.ApplyingAny(ReferenceRepository.Read(p), folders))];
    }

    /// <summary>The files directly under clusters/&lt;name&gt;/: the Flux Kustomizations of the chain.</summary>
    private static bool IsFluxChainFile(string path) => path.StartsWith(ClustersPrefix, StringComparison.Ordinal) && path.Count(c => c == '/') == 2;

    private static bool IsLeftOut(string path, HashSet<string> leftOut) =>
        leftOut.Contains(path) || leftOut.Any(p => p.EndsWith('/') && path.StartsWith(p, StringComparison.Ordinal));

    /// <summary>The structural edits of reference files: who lists what is left out, which pool the ingresses ask for, BGP or L2.</summary>
    private static string Edited(ClusterSpec spec, string path, string text, LeftOut removed)
    {
        if (path.EndsWith("/kustomization.yaml", StringComparison.Ordinal))
            text = WithoutResources(text, path[..(path.LastIndexOf('/') + 1)], removed.Paths);
        if (path == CiliumAnnouncements.BgpPath && CiliumAnnouncements.BgpSessions(spec) is { } sessions)
            text = sessions;
        if (path == CiliumAnnouncements.KustomizationPath)
            text = CiliumAnnouncements.Kustomization(spec).Text;
        if (IsFluxChainFile(path))
            text = FluxChain.Without(text, removed.Kustomizations);
        if (path.EndsWith($"/{FluxConfigFolder}notifications.yaml", StringComparison.Ordinal) && removed.Namespaces.Count > 0)
            // the Alert's per-namespace HelmRelease sources of components that are gone
            text = WithoutItemsMentioning(text, line => removed.Namespaces.Any(n => line.Trim() == $"namespace: {n}"));
        if (path == PublicIngressPath && spec.LoadBalancer.PublicIngressAddress is { } publicIngress)
            text = IngressPoolLabelPattern().Replace(text, IngressPoolLabel + PoolHolding(spec, publicIngress));
        else if (path.StartsWith("infrastructure/ingress-nginx/", StringComparison.Ordinal))
            text = IngressPoolLabelPattern().Replace(text, IngressPoolLabel + PoolHolding(spec, spec.LoadBalancer.IngressAddress));
        if (!spec.Components.CloudflareTunnel && path == ExternalDnsSecretsPath)
            // external-dns for Cloudflare went with the tunnel; its API token goes too (cert-manager has its own)
            text = WithoutDocumentNamed(text, "cloudflare-api-token");
        if (!spec.Components.CloudflareTunnel && path.EndsWith($"/{FluxConfigFolder}externalsecrets.yaml", StringComparison.Ordinal))
            // the webhook Receiver went with the tunnel, and so does the token GitHub signs its calls with
            text = WithoutDocumentNamed(text, "github-webhook-token");
        if (!spec.Components.CloudflareTunnel && path.EndsWith("/flux-system/gotk-sync.yaml", StringComparison.Ordinal))
            // no webhook tells Flux about a push: it polls
            text = ReferenceRepository.Edited(path, text, [("  interval: 1h # pushes arrive through the github-webhook Receiver\n", "  interval: 5m # no webhook Receiver without the tunnel: Flux polls for pushes\n")], nameof(GitOpsTree));
        if (!spec.Components.Monitoring && path is ProxyIngressPath or BlueprintsPath)
            // Grafana goes with monitoring: its host on the outpost's Ingress and its proxy provider and application
            text = WithoutItemsMentioning(text, line => line.Contains("grafana.${DOMAIN_INTERNAL}", StringComparison.Ordinal) || line.Contains("provider-grafana", StringComparison.Ordinal));
        if (!spec.Components.Sso && path == MonitoringPath)
            // Without the outpost in front, a trusted user header would let any client sign in as anyone: Grafana keeps its own login
            text = ReferenceRepository.Edited(path, text,
            [
                ("      # reached as https://grafana.${DOMAIN_INTERNAL} via authentik-proxy\n", "      # no SSO: Grafana's own login (the grafana-admin user); publish it with an Ingress of your own\n"),
                ("        auth.proxy:\n          # the authentik proxy outpost sends the authenticated user\n          enabled: true\n          header_name: X-authentik-username\n" +
                    "          header_property: username\n          auto_sign_up: true\n", ""),
            ], nameof(GitOpsTree));
        if (path == LonghornPath && spec.WorkloadNodeCount() < 2)
            // Longhorn keeps replicas on different nodes (replicaSoftAntiAffinity: false): one node that runs workloads holds only one
            text = ReferenceRepository.Edited(path, text, [("defaultReplicaCount: 2\n", "defaultReplicaCount: 1\n"), ("defaultClassReplicaCount: 2\n", "defaultClassReplicaCount: 1\n")], nameof(GitOpsTree));
        if (path == AuthentikDatabasePath && spec.WorkloadNodeCount() < 2)
            // CloudNativePG places its instances on different nodes (podAntiAffinityType: required): a second would stay Pending
            text = ReferenceRepository.Edited(path, text, [("  instances: 2\n", "  instances: 1 # one node runs workloads: a standby would need a second\n")], nameof(GitOpsTree));
        if (path == "bootstrap-config.yaml" && spec.Domains.External is null)
            text = ExternalDomainLine().Replace(text, "");
        return ComponentComments.Edited(spec, path, text);
    }

    /// <summary>A kustomization's resources without the files and folders left out (an emptied list stays a list).</summary>
    private static string WithoutResources(string text, string directory, HashSet<string> leftOut)
    {
        var lines = text.Split('\n').Where(line => !(line.StartsWith("  - ", StringComparison.Ordinal)
            && line[4..].Trim() is var listed && (IsLeftOut(directory + listed, leftOut) || leftOut.Contains(directory + listed + "/")))).ToList();
        var resources = lines.IndexOf("resources:");
        if (resources >= 0 && (resources + 1 == lines.Count || !lines[resources + 1].StartsWith("  - ", StringComparison.Ordinal)))
            lines[resources] = "resources: []";
        return string.Join('\n', lines);
    }

    /// <summary>The file without the YAML document whose metadata.name is <paramref name="name"/>.</summary>
    private static string WithoutDocumentNamed(string text, string name) =>
        string.Join("\n---\n", text.Split("\n---\n").Where(d => !d.Contains($"\nmetadata:\n  name: {name}\n", StringComparison.Ordinal)));

    /// <summary>
    /// The YAML list items (a "- " line and every deeper-indented line after it) holding a line <paramref name="mentions"/> accepts, innermost first, so
    /// an outer item loses only its nested entry (an outpost's provider) and goes only when it mentions a marker itself.
    /// </summary>
    private static string WithoutItemsMentioning(string text, Func<string, bool> mentions)
    {
        var lines = text.Split('\n').ToList();
        var depths = lines.Select(ItemIndent).Where(i => i >= 0).Distinct().OrderDescending().ToList();
        foreach (var depth in depths)
            for (var i = 0; i < lines.Count; i++)
            {
                if (ItemIndent(lines[i]) != depth) continue;
                var end = i + 1;
                while (end < lines.Count && lines[end].Length > 0 && Indent(lines[end]) > depth && ItemIndent(lines[end]) != depth) end++;
                if (!lines.Skip(i).Take(end - i).Any(mentions)) continue;
                lines.RemoveRange(i, end - i);
                i--;
            }
        return string.Join('\n', lines);
    }

    private static int Indent(string line) => line.Length - line.TrimStart(' ').Length;

    /// <summary>The indentation of a list item's "- ", or -1 for any other line.</summary>
    private static int ItemIndent(string line) => line.TrimStart(' ').StartsWith("- ", StringComparison.Ordinal) ? Indent(line) : -1;

    /// <summary>The LB pool holding an ingress controller's address: the controller asks for it by label.</summary>
    private static string PoolHolding(ClusterSpec spec, string addressText)
    {
        var address = Model.Network.Cidr.TryParseAddress(addressText, out var parsed) ? parsed
            : throw new ArgumentException($"ingress address '{addressText}' was not checked", nameof(addressText));
        var pool = spec.LoadBalancer.Pools.First(p => Model.Network.IpRange.TryParse(p.Range, out var range) && range.Contains(address));
        return LoadBalancerPools.NameOf(spec, pool);
    }

    private static string Renamed(string path, string from, string to) =>
        path.StartsWith($"{ClustersPrefix}{from}/", StringComparison.Ordinal) ? $"{ClustersPrefix}{to}/{path[(ClustersPrefix.Length + from.Length + 1)..]}" : path;

    /// <summary>
    /// Every reference value written as text, replaced by the spec's in one pass (so a replacement is never replaced again),
    /// longest first, whole words only. Without an external domain, what the reference puts on it (the ACME DNS-01 zone) goes
    /// on the internal one: its zone must then be on Cloudflare.
    /// </summary>
    private static Func<string, string> TextMap(ClusterSpec spec, ReferenceFacts reference)
    {
        var external = spec.Domains.External ?? spec.Domains.Internal;
        var pairs = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [reference.GitUrl] = spec.Git.Url,
            [reference.InternalDomain] = spec.Domains.Internal,
            [reference.ExternalDomain] = external,
            [reference.Name] = spec.Cluster.Name,
            [reference.Vip] = spec.Network.Vip,
            [reference.IngressAddress] = spec.LoadBalancer.IngressAddress,
            [reference.Account] = spec.Onepassword.Account,
            [reference.Vault] = spec.Onepassword.Vault,
            [$"branch: {reference.Branch}"] = $"branch: {spec.Git.Branch}",
        };
        if (spec.LoadBalancer.PublicIngressAddress is { } publicIngress) pairs[reference.PublicIngressAddress] = publicIngress;
        if (spec.Domains.External is null) pairs["${DOMAIN_EXTERNAL}"] = "${DOMAIN_INTERNAL}";
        var keys = pairs.Keys.OrderByDescending(k => k.Length).Select(k => char.IsLetterOrDigit(k[0]) ? $@"\b{Regex.Escape(k)}\b" : Regex.Escape(k));
        var pattern = new Regex(string.Join('|', keys), RegexOptions.CultureInvariant);
        return text => pattern.Replace(text, m => pairs[m.Value]);
    }

    [GeneratedRegex(@"(?<=^ *)io\.cilium/lb-ipam-pool: [a-z0-9-]+", RegexOptions.Multiline)]
    private static partial Regex IngressPoolLabelPattern();

    [GeneratedRegex(@"^kind: HelmRelease\nmetadata:\n  name: [^\n]+\n  namespace: ([a-z0-9-]+)$", RegexOptions.Multiline)]
    private static partial Regex HelmReleaseNamespace();

    [GeneratedRegex(@"^  externalDomain: .*\n", RegexOptions.Multiline)]
    private static partial Regex ExternalDomainLine();
}
