using System.Text.RegularExpressions;
using HomeOps.Model;

namespace HomeOps.Compile.Repository;

/// <summary>The Kubernetes version the repository's cluster runs, and where the repository says so.</summary>
public sealed record ClusterVersion(ReleaseVersion Version, SourceLocation At, string Source)
{
    public override string ToString() => $"{Version} ({Source})";
}

/// <summary>
/// Reads the cluster's Kubernetes version from the repository: talconfig.yaml's kubernetesVersion (the
/// loaded plan, or the line itself when the plan does not load), a topf/Talos config's
/// kubernetesVersion, else the kubelet or control-plane images of Talos machine configs and their
/// templates (the newest named). Null when the repository does not say.
/// </summary>
public static partial class ClusterVersions
{
    [GeneratedRegex(@"(?m)^\s*kubernetesVersion:\s*[""']?v?(\d+\.\d+\.\d+)[""']?\s*(#.*)?$")]
    private static partial Regex KubernetesVersionLine();

    [GeneratedRegex(@"(?:kube-apiserver|kube-controller-manager|kube-scheduler|kubelet)(?:@[^:\s]*)?:v(\d+\.\d+\.\d+)\b")]
    private static partial Regex ControlPlaneImage();

    public static ClusterVersion? Detect(RepoModel repo)
    {
        if (repo.Talos is { } plan) return new ClusterVersion(plan.Kubernetes, SourceLocation.InFile(Model.Repository.RepoFiles.TalConfig), "talconfig.yaml kubernetesVersion");
        foreach (var file in repo.Files.Where(f => f.Text is not null && (f.Path == Model.Repository.RepoFiles.TalConfig || Path.GetFileName(f.Path).StartsWith("topf.yaml", StringComparison.Ordinal)))
                     .OrderBy(f => f.Path == Model.Repository.RepoFiles.TalConfig ? 0 : 1))
            if (KubernetesVersionLine().Match(file.Text!) is { Success: true } m && ReleaseVersion.TryParse(m.Groups[1].Value, out var version))
                return new ClusterVersion(version, new SourceLocation(file.Path, LineOf(file.Text!, m.Index), 1), $"{file.Path} kubernetesVersion");
        ClusterVersion? newest = null;
        foreach (var file in repo.Files.Where(f => f.Text is not null && IsTalosConfig(f.Path)))
            foreach (Match m in ControlPlaneImage().Matches(file.Text!))
                if (ReleaseVersion.TryParse(m.Groups[1].Value, out var version) && (newest is null || version > newest.Version))
                    newest = new ClusterVersion(version, new SourceLocation(file.Path, LineOf(file.Text!, m.Index), 1), $"{file.Path} Kubernetes images");
        return newest;
    }

    /// <summary>A Talos machine config or its template: under a talos/ folder, or named like one.</summary>
    private static bool IsTalosConfig(string path) =>
        (path.Split('/').Any(s => s is "talos" or "clusterconfig") || Path.GetFileName(path).Contains("machineconfig", StringComparison.OrdinalIgnoreCase) || Path.GetFileName(path).StartsWith("controlplane", StringComparison.Ordinal))
        && (RepoPaths.IsYaml(path) || Templates.IsTemplate(path));

    private static int LineOf(string text, int index) => text.AsSpan(0, index).Count('\n') + 1;
}
