using HomeOps.Model.Yaml;

namespace HomeOps.Model.Talhelper;

/// <summary>Talos' v1alpha1.KernelModuleConfig.</summary>
public sealed class KernelModule : Located
{
    [RequiredKey] public string Name { get; set; } = "";
    public List<string>? Parameters { get; set; }
}

/// <summary>An ExtensionServiceConfig document (talhelper ExtensionService).</summary>
public sealed class ExtensionService : Located
{
    [RequiredKey] public string Name { get; set; } = "";
    public List<ExtensionConfigFile>? ConfigFiles { get; set; }
    public List<string>? Environment { get; set; }
}

public sealed class ExtensionConfigFile : Located
{
    [RequiredKey] public string Content { get; set; } = "";
    [RequiredKey] public string MountPath { get; set; } = "";
}

/// <summary>talhelper IngressFirewall: a NetworkDefaultActionConfig and one NetworkRuleConfig per rule.</summary>
public sealed class IngressFirewall : Located
{
    public string? DefaultAction { get; set; }
    public List<NetworkRule>? Rules { get; set; }
}

public sealed class NetworkRule : Located
{
    [RequiredKey] public string Name { get; set; } = "";
    [RequiredKey] public PortSelector PortSelector { get; set; } = new();
    public List<IngressRule>? Ingress { get; set; }
}

/// <summary>Talos' network.RulePortSelector: ports are numbers or "from-to" ranges.</summary>
public sealed class PortSelector : Located
{
    [RequiredKey] public List<string> Ports { get; set; } = [];
    [RequiredKey] public string Protocol { get; set; } = "";
}

public sealed class IngressRule : Located
{
    [RequiredKey] public string Subnet { get; set; } = "";
    public string? Except { get; set; }
}
