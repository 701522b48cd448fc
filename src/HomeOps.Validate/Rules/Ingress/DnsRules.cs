using HomeOps.Compile.Repository;
using HomeOps.Model;
using HomeOps.Validate.Engine;

namespace HomeOps.Validate.Rules.Ingress;

/// <summary>Every published or served DNS name lies in one of the cluster's domains.</summary>
public sealed class DnsRules : IRuleSet
{
    public IReadOnlyList<RuleInfo> Rules { get; } =
    [
        new("dns/outside-domain", Severity.Error, "A host name (Ingress, Certificate, DNSEndpoint, external-dns annotation, tunnel rule) outside the cluster's internal and external domains."),
    ];

    public void Check(RepoModel repo, RuleContext context)
    {
        var domains = DomainSettings.From(repo).All.ToList();
        if (domains.Count == 0) return;
        foreach (var claim in HostNames.All(repo).Where(c => !domains.Any(d => HostNames.IsWithin(c.Host, d))))
            context.Report("dns/outside-domain", claim.At,
                $"{claim.Owner.Kind} {claim.Owner.Name}{(claim.Source == claim.Owner.Kind ? "" : $" ({claim.Source})")} uses {claim.Host}, outside {string.Join(" and ", domains)}",
                "external-dns will not publish it (its domainFilters) and the wildcard certificate does not cover it: fix the name, or add the domain to bootstrap-config.yaml cluster.*Domain");
    }
}
