namespace HomeOps.Operations.Tools;

/// <summary>A Helm release as `helm status -o json` reports it.</summary>
public sealed record HelmReleaseStatus(string Name, string Namespace, string Status, string ChartVersion, int Revision);

/// <summary>What `helm upgrade --install` gets: chart from a repository URL at one version, values from a file.</summary>
public sealed record HelmInstall(string Release, string Namespace, string Chart, string RepositoryUrl, string Version, string ValuesFile, TimeSpan Timeout);

public interface IHelm : IVersionedTool
{
    Task<HelmReleaseStatus?> StatusAsync(string release, string @namespace, string kubeconfig, CancellationToken cancel);

    Task UpgradeInstallAsync(HelmInstall install, string kubeconfig, CancellationToken cancel);
}
