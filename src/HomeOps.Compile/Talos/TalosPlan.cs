using HomeOps.Compile.Talhelper;
using HomeOps.Model;
using HomeOps.Model.Repository;
using HomeOps.Model.Talhelper;

namespace HomeOps.Compile.Talos;

/// <summary>A loaded, checked talconfig with its nodes resolved: everything genconfig needs but the secrets.</summary>
public sealed record TalosPlan(
    TalConfig Config,
    IReadOnlyList<ResolvedNode> Nodes,
    ReleaseVersion Talos,
    ReleaseVersion Kubernetes,
    string ConfigDirectory,
    IReadOnlyDictionary<string, string> Variables)
{
    public string OutputDirectory => RepoPath.Join(ConfigDirectory, "talos/clusterconfig");

    /// <summary>Where genconfig writes <paramref name="hostname"/>'s machine config, relative to the repository root.</summary>
    public string MachineConfigPath(string hostname) => RepoPath.Join(OutputDirectory, $"{Config.ClusterName}-{hostname}.yaml");

    /// <summary>The talosconfig genconfig writes beside the machine configs, relative to the repository root.</summary>
    public string TalosconfigPath => RepoPath.Join(OutputDirectory, "talosconfig");
}
