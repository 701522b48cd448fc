using HomeOps.Model.Repository;
using YamlDotNet.RepresentationModel;

namespace HomeOps.Compile.Init;

/// <summary>The reference cluster's own values, read from its cluster-settings.yaml and bootstrap-config.yaml (not a second copy).</summary>
public sealed record ReferenceFacts(
    string Name, string InternalDomain, string ExternalDomain, string Vip, string IngressAddress, string PublicIngressAddress,
    string Account, string Vault, string GitUrl, string Branch)
{
    public static ReferenceFacts Read()
    {
        var bootstrap = Root(ReferenceRepository.Read(RepoFiles.BootstrapConfig));
        var name = Scalar(bootstrap, "cluster", "name");
        var settings = Root(ReferenceRepository.Read($"clusters/{name}/cluster-settings.yaml"));
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
        root.Children.TryGetValue(new YamlScalarNode(section), out var node) && node is YamlMappingNode mapping
        && mapping.Children.TryGetValue(new YamlScalarNode(key), out var value) && value is YamlScalarNode { Value: { } text }
            ? text
            : throw new InvalidOperationException($"the embedded reference repository has no {section}.{key}");
}
