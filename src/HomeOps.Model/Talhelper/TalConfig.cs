using System.Text.Json.Nodes;
using HomeOps.Model.Yaml;

namespace HomeOps.Model.Talhelper;

/// <summary>The whole talconfig.yaml.</summary>
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
    public List<string>? ClusterPodNets { get; set; }
    public List<string>? ClusterSvcNets { get; set; }
    public CniConfig? CniConfig { get; set; }
    public List<JsonNode>? Patches { get; set; }
    [RequiredKey] public List<Node> Nodes { get; set; } = [];
    public NodeGroup? ControlPlane { get; set; }
    public NodeGroup? Worker { get; set; }
    public ImageFactory? ImageFactory { get; set; }
}

public sealed class CniConfig : Located
{
    [RequiredKey] public string Name { get; set; } = "";
    public List<string>? Urls { get; set; }
}

public sealed class ImageFactory : Located
{
    public string? RegistryURL { get; set; }
    public string? SchematicEndpoint { get; set; }
    public string? Protocol { get; set; }
    public string? InstallerURLTmpl { get; set; }
}
