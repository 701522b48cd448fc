using HomeOps.Model.Yaml;

namespace HomeOps.Model.Talhelper;

public sealed class KernelModule : Located
{
    [RequiredKey] public string Name { get; set; } = "";
    public List<string>? Parameters { get; set; }
}

/// <summary>A Talos ExtensionServiceConfig document.</summary>
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
