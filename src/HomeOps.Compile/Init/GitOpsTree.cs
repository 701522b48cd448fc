using System.Text.RegularExpressions;
using HomeOps.Model.Init;
using YamlDotNet.RepresentationModel;

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

    /// <summary>What each optional component brings, as reference paths (a trailing '/' is a whole folder).</summary>
    private static IEnumerable<string> LeftOutPaths(ClusterSpec spec)
    {
        var components = spec.Components;
        if (!components.Sso)
            // whoami shows an app behind authentik-proxy: without SSO it has no way in
            foreach (var path in new[] { "infrastructure/authentik/", "infrastructure/authentik-database/", "infrastructure/authentik-proxy/", "apps/whoami/" })
                yield return path;
        if (!components.CloudflareTunnel)
            // cluster-secrets holds only the tunnel's ID, and the onepassword Kustomization waits for it
            foreach (var path in new[]
            {
                "infrastructure/cloudflared/", "infrastructure/ingress-nginx/helmrelease-public.yaml", "infrastructure/external-dns/helmrelease-cloudflare.yaml",
                "infrastructure/onepassword-connect/cluster-secrets.yaml",
            })
                yield return path;
        if (!components.Longhorn)
            // whoami's volume asks for Longhorn storage
            foreach (var path in new[] { "infrastructure/longhorn/", "infrastructure/longhorn-backup/", "apps/whoami/" })
                yield return path;
        if (!components.Longhorn && !components.Sso)
            // where Longhorn and Authentik's database keep their backups
            yield return "infrastructure/backup-settings/";
        if (!components.Monitoring)
            yield return "infrastructure/monitoring/";
        if (spec.Bgp is null)
            yield return CiliumAnnouncements.BgpPath;
    }

    public static IEnumerable<GeneratedFile> For(ClusterSpec spec)
    {
        var reference = ReferenceFacts.Read();
        var leftOut = LeftOutPaths(spec).ToHashSet(StringComparer.Ordinal);
        var generated = new[] { ClusterSettings.For(spec), LoadBalancerPools.For(spec), CiliumValues.For(spec) }
            .ToDictionary(f => f.Path, StringComparer.Ordinal);
        var map = TextMap(spec, reference);
        foreach (var path in ReferenceRepository.Paths)
        {
            if (IsLeftOut(path, leftOut)) continue;
            var target = Renamed(path, reference.Name, spec.Cluster.Name);
            yield return generated.TryGetValue(target, out var file) ? file
                : new GeneratedFile(target, map(Edited(spec, path, ReferenceRepository.Read(path), leftOut)));
        }
        if (CiliumAnnouncements.L2Policy(spec) is { } policy) yield return policy;
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
    private static string Edited(ClusterSpec spec, string path, string text, HashSet<string> leftOut)
    {
        if (path.EndsWith("/kustomization.yaml", StringComparison.Ordinal))
            text = WithoutResources(text, path[..(path.LastIndexOf('/') + 1)], leftOut);
        if (path == CiliumAnnouncements.BgpPath && CiliumAnnouncements.BgpSessions(spec) is { } sessions)
            text = sessions.Text;
        if (path == CiliumAnnouncements.KustomizationPath)
            text = CiliumAnnouncements.Kustomization(spec).Text;
        if (IsFluxChainFile(path))
            text = FluxChain.Without(text, LeftOutKustomizations(leftOut));
        if (path.StartsWith("infrastructure/ingress-nginx/", StringComparison.Ordinal))
            text = IngressPoolLabelPattern().Replace(text, IngressPoolLabel + IngressPool(spec));
        if (path == "bootstrap-config.yaml" && spec.Domains.External is null)
            text = ExternalDomainLine().Replace(text, "");
        return text;
    }

    /// <summary>A kustomization's resources without the files and folders left out (an emptied list stays a list).</summary>
    private static string WithoutResources(string text, string directory, HashSet<string> leftOut)
    {
        var lines = text.Split('\n').Where(line =>
            !(line.StartsWith("  - ", StringComparison.Ordinal) && IsLeftOut(directory + line[4..].Trim(), leftOut)
              || line.StartsWith("  - ", StringComparison.Ordinal) && leftOut.Contains(directory + line[4..].Trim() + "/"))).ToList();
        var resources = lines.IndexOf("resources:");
        if (resources >= 0 && (resources + 1 == lines.Count || !lines[resources + 1].StartsWith("  - ", StringComparison.Ordinal)))
            lines[resources] = "resources: []";
        return string.Join('\n', lines);
    }

    /// <summary>The LB pool holding the internal ingress address (the ingress controllers ask for it by label).</summary>
    private static string IngressPool(ClusterSpec spec)
    {
        var ingress = Model.Network.Cidr.TryParseAddress(spec.LoadBalancer.IngressAddress, out var address) ? address
            : throw new ArgumentException("ingressAddress was not checked", nameof(spec));
        var pool = spec.LoadBalancer.Pools.First(p => Model.Network.IpRange.TryParse(p.Range, out var range) && range.Contains(ingress));
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

    [GeneratedRegex(@"^  externalDomain: .*\n", RegexOptions.Multiline)]
    private static partial Regex ExternalDomainLine();

    /// <summary>The reference cluster's own values, read from its cluster-settings.yaml and bootstrap-config.yaml (not a second copy).</summary>
    private sealed record ReferenceFacts(
        string Name, string InternalDomain, string ExternalDomain, string Vip, string IngressAddress, string PublicIngressAddress,
        string Account, string Vault, string GitUrl, string Branch)
    {
        public static ReferenceFacts Read()
        {
            var bootstrap = Root(ReferenceRepository.Read("bootstrap-config.yaml"));
            var name = Scalar(bootstrap, "cluster", "name");
            var settings = Root(ReferenceRepository.Read($"{ClustersPrefix}{name}/cluster-settings.yaml"));
            var endpoint = new Uri(Scalar(bootstrap, "cluster", "endpoint"));
            return new ReferenceFacts(name, Scalar(settings, "data", "DOMAIN_INTERNAL"), Scalar(settings, "data", "DOMAIN_EXTERNAL"), endpoint.Host,
                Scalar(settings, "data", "INGRESS_INTERNAL_IP"), Scalar(settings, "data", "INGRESS_PUBLIC_IP"),
                Scalar(bootstrap, "onepassword", "account"), Scalar(bootstrap, "onepassword", "vault"),
                Scalar(bootstrap, "git", "url"), Scalar(bootstrap, "git", "branch"));
        }

        private static YamlMappingNode Root(string text)
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(text));
            return (YamlMappingNode)stream.Documents[0].RootNode;
        }

        private static string Scalar(YamlMappingNode root, string section, string key) =>
            ((YamlScalarNode)((YamlMappingNode)root[section])[key]).Value
            ?? throw new InvalidOperationException($"the reference repository has no {section}.{key}");
    }
}
