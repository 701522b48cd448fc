using HomeOps.Model;

namespace HomeOps.Validate.Engine;

/// <summary>What a run is told beyond the repository itself.</summary>
/// <param name="KubernetesVersion">The cluster's Kubernetes release (--kubernetes-version); null: read it from the repository.</param>
public sealed record ValidationSettings(ReleaseVersion? KubernetesVersion = null)
{
    public static readonly ValidationSettings Default = new();
}
