using HomeOps.Compile.Repository;
using HomeOps.Model.Repository;

namespace HomeOps.Validate.Rules.Ingress;

/// <summary>
/// The cluster's domains and its SSO gateway, from bootstrap-config.yaml (cluster.internalDomain,
/// cluster.externalDomain, cluster.authProxy as "namespace/service"). Null when the file lacks them:
/// then the rules that need them have nothing to compare against and stay silent.
/// </summary>
public sealed record DomainSettings(string? Internal, string? External, string AuthProxyNamespace, string AuthProxyService)
{
    public const string DefaultAuthProxy = "authentik-proxy/authentik-proxy";

    /// <summary>The domain only the auth proxy may serve: every app name directly under the internal domain.</summary>
    public string? Protected => Internal;

    public IEnumerable<string> All => new[] { Internal, External }.OfType<string>();

    public static DomainSettings From(RepoModel repo)
    {
        var cluster = repo.Bootstrap.Field("cluster");
        var proxy = (Manifest.Text(cluster.Field("authProxy")) ?? DefaultAuthProxy).Split('/', 2);
        return new DomainSettings(
            Manifest.Text(cluster.Field("internalDomain"))?.ToLowerInvariant(),
            Manifest.Text(cluster.Field("externalDomain"))?.ToLowerInvariant(),
            proxy.Length == 2 ? proxy[0] : "",
            proxy[^1]);
    }
}
