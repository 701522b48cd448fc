using System.Text.Json.Nodes;
using HomeOps.Compile.Flux;
using HomeOps.Model;
using HomeOps.Model.Repository;
using HomeOps.Model.Yaml;

namespace HomeOps.Validate.Rules.Ingress;

/// <summary>A Gateway API listener: which hostnames and routes it takes, and whether it terminates TLS.</summary>
public sealed record Listener(Manifest Gateway, string Name, string? Hostname, string Protocol, string AllowedFrom, IReadOnlyList<(string Namespace, string Name, string Pointer)> Certificates, string Pointer)
{
    public bool Secure => Protocol is "HTTPS" or "TLS";
}

/// <summary>Which Gateway (and listener) a route attaches to.</summary>
public sealed record ParentRef(string Namespace, string Name, string? Section);

/// <summary>One route's claim: a hostname, a path, the Gateways it attaches to and the Services it sends to.</summary>
public sealed record RouteClaim(Manifest Owner, string Source, string Namespace, string Host, string HostPointer, string Path,
    IReadOnlyList<ParentRef> Parents, IReadOnlyList<(string Namespace, string Name, string Pointer)> Backends, bool RedirectsOnly)
{
    public SourceLocation At => Owner.At(HostPointer);

    /// <summary>The route object's identity: two claims of one object are not a conflict.</summary>
    public string Identity => $"{Owner.Kind}/{Namespace}/{Owner.Name}/{Source}";
}

/// <summary>
/// The Gateway API side of ingress (gateway.networking.k8s.io v1): Gateways with their listeners, and
/// every hostname an HTTPRoute, GRPCRoute or TLSRoute claims, also those a HelmRelease's chart makes
/// from its values (a values mapping with hostnames and parentRefs, as app-template's route: has),
/// each as Flux renders it. Hostnames that still hold a variable or a template are not judged.
/// </summary>
public sealed class GatewayRoutes
{
    public const string Group = "gateway.networking.k8s.io";

    private static readonly string[] RouteKinds = ["HTTPRoute", "GRPCRoute", "TLSRoute"];

    public required IReadOnlyList<Listener> Listeners { get; init; }

    public required IReadOnlyList<RouteClaim> Routes { get; init; }

    public required IReadOnlyList<Manifest> ReferenceGrants { get; init; }

    /// <summary>The Gateways and routes among <paramref name="documents"/> (one cluster's and the orphans, RepoModel.DocumentsOf).</summary>
    public static GatewayRoutes Of(IEnumerable<Manifest> documents)
    {
        var instances = documents.ToList();
        var gateways = instances.Where(m => m.Group == Group && m.Kind == "Gateway").DistinctBy(m => FluxModel.KeyOf(m)).ToList();
        var listeners = gateways.SelectMany(ListenersOf).ToList();
        var routes = new List<RouteClaim>();
        foreach (var m in instances)
        {
            if (m.Group == Group && RouteKinds.Contains(m.Kind)) routes.AddRange(FromRoute(m, m.Body["spec"], "/spec", FluxModel.NamespaceOf(m), m.Kind));
            else if (m.Group == FluxModel.HelmGroup && m.Kind == "HelmRelease")
            {
                var ns = Manifest.Text(m.Body["spec"].Field("targetNamespace")) ?? FluxModel.NamespaceOf(m);
                foreach (var (pointer, values) in ChartRoutes(m.Body["spec"].Field("values"), "/spec/values"))
                    routes.AddRange(FromRoute(m, values, pointer, ns, "chart HTTPRoute"));
            }
        }
        return new GatewayRoutes
        {
            Listeners = listeners,
            Routes = routes.DistinctBy(r => (r.Identity, r.Host, r.Path, r.HostPointer)).ToList(),
            ReferenceGrants = instances.Where(m => m.Group == Group && m.Kind == "ReferenceGrant").ToList(),
        };
    }

    private static IEnumerable<Listener> ListenersOf(Manifest gateway)
    {
        var ns = FluxModel.NamespaceOf(gateway);
        foreach (var (listener, i) in Manifest.Items(gateway.Body["spec"].Field("listeners")))
        {
            var certificates = Manifest.Items(listener.Field("tls").Field("certificateRefs"))
                .Where(c => (Manifest.Text(c.Item.Field("kind")) ?? "Secret") == "Secret" && Manifest.Text(c.Item.Field("name")) is not null)
                .Select(c => (Manifest.Text(c.Item.Field("namespace")) ?? ns, Manifest.Text(c.Item.Field("name"))!, $"/spec/listeners/{i}/tls/certificateRefs/{c.Index}"))
                .ToList();
            yield return new Listener(gateway, Manifest.Text(listener.Field("name")) ?? "", Manifest.Text(listener.Field("hostname"))?.ToLowerInvariant(),
                Manifest.Text(listener.Field("protocol")) ?? "", Manifest.Text(listener.Field("allowedRoutes").Field("namespaces").Field("from")) ?? "Same",
                certificates, $"/spec/listeners/{i}");
        }
    }

    /// <summary>Values mappings a chart turns into HTTPRoutes: hostnames and parentRefs, not disabled.</summary>
    private static IEnumerable<(string Pointer, JsonObject Values)> ChartRoutes(JsonNode? node, string pointer)
    {
        switch (node)
        {
            case JsonObject o:
                if (o["hostnames"] is JsonArray && o["parentRefs"] is JsonArray && !(o["enabled"] is JsonValue e && e.TryGetValue<bool>(out var on) && !on))
                    yield return (pointer, o);
                foreach (var (key, value) in o)
                    foreach (var found in ChartRoutes(value, $"{pointer}/{YamlJson.Escape(key)}")) yield return found;
                break;
            case JsonArray a:
                for (var i = 0; i < a.Count; i++)
                    foreach (var found in ChartRoutes(a[i], $"{pointer}/{i}")) yield return found;
                break;
        }
    }

    private static IEnumerable<RouteClaim> FromRoute(Manifest owner, JsonNode? spec, string pointer, string ns, string source)
    {
        var parents = Manifest.Items(spec.Field("parentRefs"))
            .Where(p => (Manifest.Text(p.Item.Field("kind")) ?? "Gateway") == "Gateway" && Manifest.Text(p.Item.Field("name")) is not null)
            .Select(p => new ParentRef(Manifest.Text(p.Item.Field("namespace")) ?? ns, Manifest.Text(p.Item.Field("name"))!, Manifest.Text(p.Item.Field("sectionName"))))
            .ToList();
        var backends = new List<(string, string, string)>();
        var paths = new List<string>();
        var redirectsOnly = true;
        var anyRule = false;
        foreach (var (rule, r) in Manifest.Items(spec.Field("rules")))
        {
            anyRule = true;
            var redirect = Manifest.Items(rule.Field("filters")).Any(f => Manifest.Text(f.Item.Field("type")) == "RequestRedirect");
            redirectsOnly &= redirect;
            foreach (var (backend, b) in Manifest.Items(rule.Field("backendRefs")))
                if ((Manifest.Text(backend.Field("kind")) ?? "Service") == "Service" && Manifest.Text(backend.Field("name")) is { } name && (backend.Field("group") is null || Manifest.Text(backend.Field("group")) == ""))
                    backends.Add((Manifest.Text(backend.Field("namespace")) ?? ns, name, $"{pointer}/rules/{r}/backendRefs/{b}"));
            var matches = Manifest.Items(rule.Field("matches")).Select(m => Manifest.Text(m.Item.Field("path").Field("value"))).ToList();
            paths.AddRange(matches.Count == 0 ? ["/"] : matches.Select(p => p ?? "/"));
        }
        if (paths.Count == 0) paths.Add("/");
        foreach (var (host, h) in Manifest.Items(spec.Field("hostnames")))
        {
            if (Manifest.Text(host) is not { } name || name.Contains("${", StringComparison.Ordinal) || name.Contains("{{", StringComparison.Ordinal)) continue;
            foreach (var path in paths.Distinct())
                yield return new RouteClaim(owner, source, ns, name.Trim().TrimEnd('.').ToLowerInvariant(), $"{pointer}/hostnames/{h}", path, parents, backends, anyRule && redirectsOnly);
        }
    }

    /// <summary>Gateway API hostname matching: a listener without hostname takes every name; "*.d" takes names below d.</summary>
    public static bool Matches(string? listener, string host) =>
        listener is null || listener == host
        || listener.StartsWith("*.", StringComparison.Ordinal) && host.EndsWith(listener[1..], StringComparison.Ordinal) && host.Length > listener.Length - 1;

    /// <summary>The listeners a route attaches to: of the Gateways it names, the named section (or all), admitting routes from its namespace.</summary>
    public IEnumerable<Listener> ListenersFor(RouteClaim route) =>
        route.Parents.SelectMany(parent => Listeners.Where(l =>
            l.Gateway.Name == parent.Name && FluxModel.NamespaceOf(l.Gateway) == parent.Namespace
            && (parent.Section is null || parent.Section == l.Name)
            && (l.AllowedFrom != "Same" || FluxModel.NamespaceOf(l.Gateway) == route.Namespace)));

    /// <summary>Whether a ReferenceGrant in <paramref name="toNamespace"/> lets objects of a kind from a namespace refer to a kind there.</summary>
    public bool Granted(string fromGroup, string fromKind, string fromNamespace, string toGroup, string toKind, string toNamespace, string toName) =>
        ReferenceGrants.Any(g => FluxModel.NamespaceOf(g) == toNamespace
            && Manifest.Items(g.Body["spec"].Field("from")).Any(f => Manifest.Text(f.Item.Field("group")) == fromGroup && Manifest.Text(f.Item.Field("kind")) == fromKind && Manifest.Text(f.Item.Field("namespace")) == fromNamespace)
            && Manifest.Items(g.Body["spec"].Field("to")).Any(t => (Manifest.Text(t.Item.Field("group")) ?? "") == toGroup && Manifest.Text(t.Item.Field("kind")) == toKind
                                                                    && (Manifest.Text(t.Item.Field("name")) is not { } name || name == toName)));
}
