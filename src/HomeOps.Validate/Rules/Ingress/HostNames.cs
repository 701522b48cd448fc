using System.Text.Json.Nodes;
using HomeOps.Compile.Repository;
using HomeOps.Model;
using HomeOps.Model.Repository;
using HomeOps.Model.Yaml;

namespace HomeOps.Validate.Rules.Ingress;

/// <summary>Where a DNS name is claimed, and by what.</summary>
public sealed record HostClaim(string Host, Manifest Owner, string Pointer, string Source)
{
    public SourceLocation At => Owner.At(Pointer);
}

/// <summary>
/// Every DNS name the repository publishes or serves: Ingress rules, Ingresses a Helm chart creates
/// from its values, cert-manager Certificates, external-dns DNSEndpoints and hostname annotations,
/// and the Cloudflare tunnel's ingress rules. Names with Flux substitutions (${...}) are skipped.
/// </summary>
public static class HostNames
{
    public const string ExternalDnsHostname = "external-dns.alpha.kubernetes.io/hostname";

    /// <summary>Every claim of every document as Flux renders it (orphans as written), once per place it is written.</summary>
    public static IEnumerable<HostClaim> All(RepoModel repo) =>
        repo.Instances.SelectMany(Of)
            .Where(c => c.Host.Length > 0 && !c.Host.Contains("${", StringComparison.Ordinal) && !c.Host.Contains("{{", StringComparison.Ordinal))
            .DistinctBy(c => (c.At, c.Host));

    private static IEnumerable<HostClaim> Of(Manifest m)
    {
        var claims = new List<HostClaim>();
        void Add(JsonNode? node, string pointer, string source)
        {
            if (Manifest.Text(node) is { } host) claims.Add(new HostClaim(host.Trim().TrimEnd('.').ToLowerInvariant(), m, pointer, source));
        }
        foreach (var (annotation, value) in m.Body["metadata"].Field("annotations") as JsonObject ?? [])
            if (annotation == ExternalDnsHostname && Manifest.Text(value) is { } names)
                foreach (var name in names.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                    claims.Add(new HostClaim(name.ToLowerInvariant(), m, $"/metadata/annotations/{YamlJson.Escape(annotation)}", "external-dns annotation"));
        switch (m.Group, m.Kind)
        {
            case (GatewayRoutes.Group, "HTTPRoute" or "GRPCRoute" or "TLSRoute"):
                foreach (var (name, i) in Manifest.Items(m.Body["spec"].Field("hostnames"))) Add(name, $"/spec/hostnames/{i}", m.Kind);
                break;
            case (GatewayRoutes.Group, "Gateway"):
                foreach (var (listener, i) in Manifest.Items(m.Body["spec"].Field("listeners")))
                    if (Manifest.Text(listener.Field("hostname")) is { } wildcard) Add(JsonValue.Create(wildcard), $"/spec/listeners/{i}/hostname", "Gateway listener");
                break;
            case ("networking.k8s.io", "Ingress"):
                foreach (var (rule, i) in Manifest.Items(m.Body["spec"].Field("rules"))) Add(rule.Field("host"), $"/spec/rules/{i}/host", "Ingress");
                break;
            case ("cert-manager.io", "Certificate"):
                foreach (var (name, i) in Manifest.Items(m.Body["spec"].Field("dnsNames"))) Add(name, $"/spec/dnsNames/{i}", "Certificate");
                break;
            case ("externaldns.k8s.io", "DNSEndpoint"):
                foreach (var (endpoint, i) in Manifest.Items(m.Body["spec"].Field("endpoints"))) Add(endpoint.Field("dnsName"), $"/spec/endpoints/{i}/dnsName", "DNSEndpoint");
                break;
            case ("helm.toolkit.fluxcd.io", "HelmRelease"):
                claims.AddRange(ChartIngresses(m));
                break;
            case ("", "ConfigMap"):
                claims.AddRange(TunnelRules(m));
                break;
        }
        return claims;
    }

    /// <summary>Hosts of Ingresses and HTTPRoutes a chart creates: any values object "ingress" that is not disabled, with hosts as strings or {host|name}; any values mapping with hostnames and parentRefs.</summary>
    private static IEnumerable<HostClaim> ChartIngresses(Manifest release)
    {
        foreach (var (pointer, route) in Objects(release.Body["spec"].Field("values"), "/spec/values"))
            if (route["hostnames"] is JsonArray hostnames && route["parentRefs"] is JsonArray && !(route["enabled"] is JsonValue on && on.TryGetValue<bool>(out var enabled) && !enabled))
                foreach (var (host, i) in Manifest.Items(hostnames))
                    if (Manifest.Text(host) is { } name) yield return new HostClaim(name.ToLowerInvariant(), release, $"{pointer}/hostnames/{i}", "chart HTTPRoute");
        foreach (var (pointer, ingress) in Objects(release.Body["spec"].Field("values"), "/spec/values"))
        {
            if (!pointer.EndsWith("/ingress", StringComparison.Ordinal) || ingress["enabled"] is JsonValue e && e.TryGetValue<bool>(out var on) && !on) continue;
            foreach (var (host, i) in Manifest.Items(ingress["hosts"]))
            {
                var name = Manifest.Text(host) ?? Manifest.Text(host.Field("host")) ?? Manifest.Text(host.Field("name"));
                var at = host is JsonObject o ? $"{pointer}/hosts/{i}/{(o.ContainsKey("host") ? "host" : "name")}" : $"{pointer}/hosts/{i}";
                if (name is not null) yield return new HostClaim(name.ToLowerInvariant(), release, at, "chart Ingress");
            }
        }
    }

    /// <summary>cloudflared's config.yaml (tunnel ingress rules) kept in a ConfigMap.</summary>
    private static IEnumerable<HostClaim> TunnelRules(Manifest configMap)
    {
        foreach (var (key, value) in configMap.Body["data"] as JsonObject ?? [])
        {
            if (Manifest.Text(value) is not { } text || !text.Contains("hostname:", StringComparison.Ordinal)) continue;
            var bag = new FindingBag();
            var documents = YamlDocuments.Parse(text, configMap.File, bag);
            if (bag.HasErrors || documents.Count != 1) continue;
            JsonNode? config;
            try { config = YamlJson.ToJson(documents[0].RootNode); }
            catch (FormatException) { continue; }
            foreach (var (rule, _) in Manifest.Items(config.Field("ingress")))
                if (Manifest.Text(rule.Field("hostname")) is { } host)
                    yield return new HostClaim(host.ToLowerInvariant(), configMap, $"/data/{YamlJson.Escape(key)}", "Cloudflare tunnel");
        }
    }

    private static IEnumerable<(string Pointer, JsonObject Object)> Objects(JsonNode? node, string pointer)
    {
        switch (node)
        {
            case JsonObject o:
                yield return (pointer, o);
                foreach (var (key, value) in o)
                    foreach (var inner in Objects(value, $"{pointer}/{YamlJson.Escape(key)}")) yield return inner;
                break;
            case JsonArray a:
                for (var i = 0; i < a.Count; i++)
                    foreach (var inner in Objects(a[i], $"{pointer}/{i}")) yield return inner;
                break;
        }
    }

    /// <summary>True when <paramref name="host"/> is <paramref name="domain"/> or a name below it (a wildcard counts as below).</summary>
    public static bool IsWithin(string host, string domain)
    {
        var name = host.StartsWith("*.", StringComparison.Ordinal) ? host[2..] : host;
        return name == domain || name.EndsWith("." + domain, StringComparison.Ordinal);
    }
}
