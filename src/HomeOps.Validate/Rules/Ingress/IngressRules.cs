using HomeOps.Compile.Flux;
using HomeOps.Compile.Repository;
using HomeOps.Model;
using HomeOps.Model.Repository;
using HomeOps.Validate.Engine;

namespace HomeOps.Validate.Rules.Ingress;

/// <summary>
/// Ingresses and Gateway API routes (HTTPRoute, GRPCRoute, TLSRoute, and the routes a chart makes):
/// apps on the protected internal domain are reached only through the SSO outpost, no two objects
/// claim one host and path, every host has TLS, and references across namespaces are granted.
/// Each document is judged as Flux renders it, orphans included (the message says so).
/// </summary>
public sealed class IngressRules : IRuleSet
{
    public IReadOnlyList<RuleInfo> Rules { get; } =
    [
        new("ingress/auth-bypass", Severity.Error, "An Ingress on the protected internal domain that does not route to the SSO outpost (authentik-proxy)."),
        new("ingress/host-conflict", Severity.Error, "Two Ingresses claim the same host and path."),
        new("ingress/tls-missing", Severity.Error, "An Ingress host that no tls entry covers, a route host no HTTPS listener of its Gateway serves, or an HTTPS listener without a certificate."),
        new(ReferenceNotGranted, Severity.Error, "A route's backend Service or a Gateway's certificate Secret in another namespace, without a ReferenceGrant there allowing it."),
    ];

    public const string ReferenceNotGranted = "ingress/reference-not-granted";

    public void Check(RepoModel repo, RuleContext context)
    {
        var settings = DomainSettings.From(repo);
        var ingresses = repo.Instances.Where(m => m.Group == "networking.k8s.io" && m.Kind == "Ingress").ToList();
        foreach (var cluster in repo.Clusters)
        {
            var documents = repo.DocumentsOf(cluster).ToList();
            CheckRoutes(repo, GatewayRoutes.Of(documents), settings, context);
            CheckConflicts(repo, documents.Where(m => m.Group == "networking.k8s.io" && m.Kind == "Ingress").ToList(), context);
        }
        if (settings.Protected is { } protectedDomain)
        {
            foreach (var ingress in ingresses) CheckAuth(ingress, protectedDomain, settings, context);
            foreach (var claim in HostNames.All(repo).Where(c => c.Source == "chart Ingress" && HostNames.IsWithin(c.Host, protectedDomain)))
                context.Report("ingress/auth-bypass", claim.At,
                    $"HelmRelease {claim.Owner.Name} makes its chart create an Ingress for {claim.Host}, bypassing {settings.AuthProxyService}",
                    $"disable the chart's ingress and add a rule for {claim.Host} to the {settings.AuthProxyService} Ingress (with an Authentik proxy provider)");
        }
        foreach (var ingress in ingresses) CheckTls(ingress, context);
    }

    private static void CheckAuth(Manifest ingress, string protectedDomain, DomainSettings settings, RuleContext context)
    {
        foreach (var (rule, i) in Manifest.Items(ingress.Body["spec"].Field("rules")))
        {
            if (Manifest.Text(rule.Field("host")) is not { } host || !HostNames.IsWithin(host.ToLowerInvariant(), protectedDomain)) continue;
            var outpost = ingress.Namespace is null || settings.AuthProxyNamespace.Length == 0 || ingress.Namespace == settings.AuthProxyNamespace;
            foreach (var (path, j) in Manifest.Items(rule.Field("http").Field("paths")))
            {
                var service = Manifest.Text(path.Field("backend").Field("service").Field("name"));
                if (outpost && service == settings.AuthProxyService) continue;
                context.Report("ingress/auth-bypass", ingress.At($"/spec/rules/{i}/http/paths/{j}/backend"),
                    $"Ingress {ingress.Namespace}/{ingress.Name} serves {host} on the protected domain {protectedDomain} straight from {(service is null ? "a non-service backend" : $"service {service}")}, bypassing SSO",
                    $"remove this Ingress; add {host} to the {settings.AuthProxyService} Ingress in {settings.AuthProxyNamespace} and an Authentik proxy provider for the app");
            }
        }
    }

    private static void CheckConflicts(RepoModel repo, IReadOnlyList<Manifest> ingresses, RuleContext context)
    {
        var claimed = new Dictionary<(string Host, string Path), Manifest>();
        foreach (var ingress in ingresses)
            foreach (var (rule, i) in Manifest.Items(ingress.Body["spec"].Field("rules")))
                foreach (var (path, j) in Manifest.Items(rule.Field("http").Field("paths")))
                {
                    var host = (Manifest.Text(rule.Field("host")) ?? "*").ToLowerInvariant();
                    if (host.Contains("${", StringComparison.Ordinal)) continue;
                    var key = (host, Manifest.Text(path.Field("path")) ?? "/");
                    if (!claimed.TryAdd(key, ingress) && claimed[key] is var first && FluxModel.KeyOf(first) != FluxModel.KeyOf(ingress))
                        context.Report("ingress/host-conflict", ingress.At($"/spec/rules/{i}/host"),
                            $"Ingress {ingress.Namespace}/{ingress.Name} claims {key.Item1}{key.Item2}, already served by Ingress {first.Namespace}/{first.Name} ({first.At()}){Orphans(repo, first, ingress)}",
                            "keep one Ingress per host and path; the controller picks one of them arbitrarily");
                }
    }

    /// <summary>A note when one side is in no Flux build: the conflict is in Git, and waits for whoever applies that file.</summary>
    private static string Orphans(RepoModel repo, params Manifest[] sides)
    {
        if (!repo.Flux.HasTree) return "";
        var orphans = sides.Where(m => !repo.Flux.FilesReached.Contains(m.File)).Select(m => m.File).Distinct().ToList();
        return orphans.Count == 0 ? "" : $"; {string.Join(" and ", orphans)} {(orphans.Count == 1 ? "is" : "are")} in no Flux build, so the clash comes when it is applied";
    }

    private static void CheckRoutes(RepoModel repo, GatewayRoutes gateway, DomainSettings settings, RuleContext context)
    {
        var claimed = new Dictionary<(string Host, string Path, string Parent), RouteClaim>();
        foreach (var route in gateway.Routes)
        {
            foreach (var parent in route.Parents)
            {
                var key = (route.Host, route.Path, $"{parent.Namespace}/{parent.Name}/{parent.Section}");
                if (!claimed.TryAdd(key, route) && claimed[key] is var first && first.Identity != route.Identity)
                    context.Report("ingress/host-conflict", route.At,
                        $"{Describe(route)} claims {route.Host}{route.Path} on Gateway {parent.Namespace}/{parent.Name}, already claimed by {Describe(first)} ({first.At}){Orphans(repo, first.Owner, route.Owner)}",
                        "keep one route per host and path on a Gateway; Gateway API lets the oldest win, so which app answers depends on creation order");
            }
            var attached = gateway.ListenersFor(route).Where(l => l.Hostname is null || l.Hostname.Contains("${", StringComparison.Ordinal) || GatewayRoutes.Matches(l.Hostname, route.Host)).ToList();
            if (attached.Count > 0 && !attached.Any(l => l.Secure) && !route.RedirectsOnly && route.Owner.Kind != "TLSRoute")
                context.Report("ingress/tls-missing", route.At,
                    $"{Describe(route)} serves {route.Host} only on plain-HTTP listeners ({string.Join(", ", attached.Select(l => $"{l.Gateway.Name}/{l.Name}").Distinct())})",
                    "attach the route to an HTTPS listener (parentRefs sectionName) whose hostname covers the host, with the certificate in tls.certificateRefs");
            foreach (var (ns, name, pointer) in route.Backends.Where(b => b.Namespace != route.Namespace))
                if (!gateway.Granted(GatewayRoutes.Group, route.Owner.Kind == "HelmRelease" ? "HTTPRoute" : route.Owner.Kind, route.Namespace, "", "Service", ns, name))
                    context.Report(ReferenceNotGranted, route.Owner.At(pointer),
                        $"{Describe(route)} in {route.Namespace} sends to Service {ns}/{name}, but no ReferenceGrant in {ns} allows routes from {route.Namespace}; the Gateway refuses the backend",
                        $"add a ReferenceGrant in namespace {ns} with from: {{group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: {route.Namespace}}} and to: {{group: \"\", kind: Service}}");
            if (settings.Protected is { } protectedDomain && HostNames.IsWithin(route.Host, protectedDomain)
                && !route.Backends.Any(b => b.Name == settings.AuthProxyService && (settings.AuthProxyNamespace.Length == 0 || b.Namespace == settings.AuthProxyNamespace))
                && !Guarded(repo, route))
                context.Report("ingress/auth-bypass", route.At,
                    $"{Describe(route)} serves {route.Host} on the protected domain {protectedDomain} straight from {(route.Backends.Count == 0 ? "its backends" : string.Join(", ", route.Backends.Select(b => $"service {b.Namespace}/{b.Name}")))}, bypassing SSO",
                    $"send the route to {settings.AuthProxyNamespace}/{settings.AuthProxyService}, or protect it with an ext-auth SecurityPolicy targeting the route or its Gateway");
        }
        foreach (var listener in gateway.Listeners.Where(l => l.Secure))
        {
            var terminate = Manifest.Text(listener.Gateway.Get($"{listener.Pointer}/tls/mode")) is null or "Terminate";
            if (terminate && listener.Protocol == "HTTPS" && listener.Certificates.Count == 0)
                context.Report("ingress/tls-missing", listener.Gateway.At(listener.Pointer),
                    $"Gateway {listener.Gateway.Name} listener {listener.Name} is HTTPS without a certificate (tls.certificateRefs); the listener is not ready and serves nothing",
                    "add the certificate's Secret under tls.certificateRefs");
            var gatewayNamespace = FluxModel.NamespaceOf(listener.Gateway);
            foreach (var (ns, name, pointer) in listener.Certificates.Where(c => c.Namespace != gatewayNamespace))
                if (!gateway.Granted(GatewayRoutes.Group, "Gateway", gatewayNamespace, "", "Secret", ns, name))
                    context.Report(ReferenceNotGranted, listener.Gateway.At(pointer),
                        $"Gateway {gatewayNamespace}/{listener.Gateway.Name} listener {listener.Name} uses the certificate Secret {ns}/{name}, but no ReferenceGrant in {ns} allows Gateways from {gatewayNamespace}; the listener is not ready",
                        $"add a ReferenceGrant in namespace {ns} with from: {{group: gateway.networking.k8s.io, kind: Gateway, namespace: {gatewayNamespace}}} and to: {{group: \"\", kind: Secret}}");
        }
    }

    private static string Describe(RouteClaim route) =>
        route.Source == "chart HTTPRoute" ? $"HelmRelease {route.Namespace}/{route.Owner.Name} (its chart's HTTPRoute)" : $"{route.Owner.Kind} {route.Namespace}/{route.Owner.Name}";

    /// <summary>An Envoy Gateway SecurityPolicy with ext-auth or OIDC that targets the route or one of its Gateways.</summary>
    private static bool Guarded(RepoModel repo, RouteClaim route) =>
        repo.Cluster.OfKind("gateway.envoyproxy.io", "SecurityPolicy").Any(policy =>
            (policy.Body["spec"].Field("extAuth") is not null || policy.Body["spec"].Field("oidc") is not null)
            && Manifest.Items(policy.Body["spec"].Field("targetRefs")).Select(t => t.Item).Append(policy.Body["spec"].Field("targetRef")).Any(t =>
                Manifest.Text(t.Field("kind")) == "HTTPRoute" && Manifest.Text(t.Field("name")) == route.Owner.Name && FluxModel.NamespaceOf(policy) == route.Namespace
                || Manifest.Text(t.Field("kind")) == "Gateway" && route.Parents.Any(p => p.Name == Manifest.Text(t.Field("name")) && p.Namespace == FluxModel.NamespaceOf(policy))));

    private static void CheckTls(Manifest ingress, RuleContext context)
    {
        var covered = Manifest.Items(ingress.Body["spec"].Field("tls"))
            .SelectMany(t => Manifest.Items(t.Item.Field("hosts")).Select(h => Manifest.Text(h.Item)?.ToLowerInvariant()))
            .OfType<string>().ToList();
        foreach (var (rule, i) in Manifest.Items(ingress.Body["spec"].Field("rules")))
        {
            if (Manifest.Text(rule.Field("host"))?.ToLowerInvariant() is not { } host) continue;
            if (covered.Any(c => c == host || c.StartsWith("*.", StringComparison.Ordinal) && host.EndsWith(c[1..], StringComparison.Ordinal) && !host[..^(c.Length - 1)].Contains('.'))) continue;
            context.Report("ingress/tls-missing", ingress.At($"/spec/rules/{i}/host"),
                $"Ingress {ingress.Namespace}/{ingress.Name} serves {host} without TLS",
                $"add {host} to spec.tls[].hosts with a secretName (the wildcard certificate, or cert-manager's ingress-shim annotation)");
        }
    }
}
