using HomeOps.Compile.Repository;
using HomeOps.Model;
using HomeOps.Model.Repository;

namespace HomeOps.Compile.Init;

/// <summary>The reference cluster's own values, read from its cluster-settings.yaml and bootstrap-config.yaml (not a second copy).</summary>
public sealed record ReferenceFacts(
    string Name, string InternalDomain, string ExternalDomain, string Vip, string IngressAddress, string PublicIngressAddress,
    string Account, string Vault, string GitUrl, string Branch)
{
    public static ReferenceFacts Read()
    {
        var bootstrap = ReferenceRepository.Bootstrap;
        var name = bootstrap.Cluster.Name;
        var path = $"clusters/{name}/cluster-settings.yaml";
        var data = RepoCompiler.Parse(path, ReferenceRepository.Read(path), new FindingBag()).SingleOrDefault()?.Body["data"];
        string Setting(string key) => Manifest.Text(data?[key]) ?? throw new InvalidOperationException($"the embedded reference {path} has no data.{key}");
        var endpoint = bootstrap.Cluster.Endpoint ?? throw new InvalidOperationException($"the embedded reference {RepoFiles.BootstrapConfig} has no cluster.endpoint");
        return new ReferenceFacts(name, Setting("DOMAIN_INTERNAL"), Setting("DOMAIN_EXTERNAL"), new Uri(endpoint).Host,
            Setting("INGRESS_INTERNAL_IP"), Setting("INGRESS_PUBLIC_IP"),
            bootstrap.Onepassword.Account, bootstrap.Onepassword.Vault, bootstrap.Git.Url, bootstrap.Git.Branch);
    }
}
