namespace HomeOps.Model.Repository;

/// <summary>The files homeops gives a meaning to at the repository root.</summary>
public static class RepoFiles
{
    /// <summary>The Talos cluster in talhelper's format.</summary>
    public const string TalConfig = "talconfig.yaml";

    /// <summary>What `homeops bootstrap` does, phase by phase.</summary>
    public const string BootstrapConfig = "bootstrap-config.yaml";

    /// <summary>The answers `homeops init` wrote the repository from (not a Kubernetes object).</summary>
    public const string ClusterSpec = "cluster-spec.yaml";

    /// <summary>Paths the validator skips entirely (one per line: "dir/", "exact/path" or a '*' glob; '#' comments).</summary>
    public const string HomeopsIgnore = ".homeopsignore";
}
