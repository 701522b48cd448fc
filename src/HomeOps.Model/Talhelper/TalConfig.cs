using System.Text.Json.Serialization;
using HomeOps.Model.Yaml;
using YamlDotNet.RepresentationModel;

namespace HomeOps.Model.Talhelper;

/// <summary>
/// The whole talconfig.yaml: talhelper's TalhelperConfig (budimanjojo/talhelper pkg/config/config.go@v3.1.16), every key of its
/// configuration reference (docs/docs/reference/configuration.md). Keys are read strictly: an unknown one is an error.
/// </summary>
public sealed class TalConfig : Located
{
    [RequiredKey] public string ClusterName { get; set; } = "";
    public string? TalosVersion { get; set; }
    public string? KubernetesVersion { get; set; }
    [RequiredKey] public string Endpoint { get; set; } = "";
    public string? Domain { get; set; }
    [DeprecatedKey("allowSchedulingOnControlPlanes")] public bool? AllowSchedulingOnMasters { get; set; }
    public bool? AllowSchedulingOnControlPlanes { get; set; }
    public List<string>? AdditionalMachineCertSans { get; set; }
    public List<string>? AdditionalApiServerCertSans { get; set; }
    public List<InlineManifest>? InlineManifests { get; set; }
    public List<string>? ClusterPodNets { get; set; }
    public List<string>? ClusterSvcNets { get; set; }
    public CniConfig? CniConfig { get; set; }
    [System.Text.Json.Serialization.JsonIgnore] public List<YamlNode>? Patches { get; set; }
    [RequiredKey] public List<Node> Nodes { get; set; } = [];
    public ImageFactory? ImageFactory { get; set; }
    public NodeGroup? ControlPlane { get; set; }
    public NodeGroup? Worker { get; set; }
}

/// <summary>Talos' v1alpha1.CNIConfig (cluster.network.cni).</summary>
public sealed class CniConfig : Located
{
    [RequiredKey] public string Name { get; set; } = "";
    public List<string>? Urls { get; set; }
    public FlannelConfig? Flannel { get; set; }
}

/// <summary>Talos' v1alpha1.FlannelCNIConfig.</summary>
public sealed class FlannelConfig : Located
{
    public List<string>? ExtraArgs { get; set; }
    public bool? KubeNetworkPoliciesEnabled { get; set; }
}

/// <summary>A self-hosted image factory (talhelper ImageFactory; defaults in pkg/config/defaults.go GetImageFactory).</summary>
public sealed class ImageFactory : Located
{
    public string? RegistryURL { get; set; }
    public string? SchematicEndpoint { get; set; }
    public string? Protocol { get; set; }
    public string? InstallerURLTmpl { get; set; }

    /// <summary>The boot-image URL template. talhelper's yaml key is literally ISOURLTmpl.</summary>
    [JsonPropertyName("ISOURLTmpl")] public string? IsoUrlTmpl { get; set; }

    /// <summary>The spelling talhelper's documentation uses; talhelper itself ignores it (the key is ISOURLTmpl).</summary>
    [DeprecatedKey("ISOURLTmpl (talhelper ignores ImageURLTmpl; homeops reads it as ISOURLTmpl)")]
    public string? ImageURLTmpl { get; set; }
}

/// <summary>Talos' ClusterInlineManifest plus talhelper's skipEnvsubst; contents may be "@file".</summary>
public sealed class InlineManifest : Located
{
    [RequiredKey] public string Name { get; set; } = "";
    [RequiredKey] public string Contents { get; set; } = "";
    public bool? SkipEnvsubst { get; set; }
}
