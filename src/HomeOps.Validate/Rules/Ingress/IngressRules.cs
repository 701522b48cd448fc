using HomeOps.Compile.Repository;
using HomeOps.Model;
using HomeOps.Model.Repository;
using HomeOps.Validate.Engine;

namespace HomeOps.Validate.Rules.Ingress;

/// <summary>
/// Ingresses: apps on the protected internal domain are reached only through the SSO outpost,
/// no two Ingresses claim one host and path, and every host has TLS.
/// </summary>
public sealed class IngressRules : IRuleSet
{
    public IReadOnlyList<RuleInfo> Rules { get; } =
    [
        new("ingress/auth-bypass", Severity.Error, "An Ingress on the protected internal domain that does not route to the SSO outpost (authentik-proxy)."),
        new("ingress/host-conflict", Severity.Error, "Two Ingresses claim the same host and path."),
        new("ingress/tls-missing", Severity.Error, "An Ingress host that no tls entry covers."),
    ];

    public void Check(RepoModel repo, RuleContext context)
    {
        var settings = DomainSettings.From(repo);
        var ingresses = repo.OfKind("networking.k8s.io", "Ingress").ToList();
        if (settings.Protected is { } protectedDomain)
        {
            foreach (var ingress in ingresses) CheckAuth(ingress, protectedDomain, settings, context);
            foreach (var claim in HostNames.All(repo).Where(c => c.Source == "chart Ingress" && HostNames.IsWithin(c.Host, protectedDomain)))
                context.Report("ingress/auth-bypass", claim.At,
                    $"HelmRelease {claim.Owner.Name} makes its chart create an Ingress for {claim.Host}, bypassing {settings.AuthProxyService}",
                    $"disable the chart's ingress and add a rule for {claim.Host} to the {settings.AuthProxyService} Ingress (with an Authentik proxy provider)");
        }
        CheckConflicts(ingresses, context);
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

    private static void CheckConflicts(IReadOnlyList<Manifest> ingresses, RuleContext context)
    {
        var claimed = new Dictionary<(string Host, string Path), Manifest>();
        foreach (var ingress in ingresses)
            foreach (var (rule, i) in Manifest.Items(ingress.Body["spec"].Field("rules")))
                foreach (var (path, j) in Manifest.Items(rule.Field("http").Field("paths")))
                {
                    var key = ((Manifest.Text(rule.Field("host")) ?? "*").ToLowerInvariant(), Manifest.Text(path.Field("path")) ?? "/");
                    if (!claimed.TryAdd(key, ingress) && claimed[key] is var first && !ReferenceEquals(first, ingress))
                        context.Report("ingress/host-conflict", ingress.At($"/spec/rules/{i}/host"),
                            $"Ingress {ingress.Namespace}/{ingress.Name} claims {key.Item1}{key.Item2}, already served by Ingress {first.Namespace}/{first.Name} ({first.At()})",
                            "keep one Ingress per host and path; the controller picks one of them arbitrarily");
                }
    }

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
