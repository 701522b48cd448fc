namespace HomeOps.Operations.Bootstrap;

/// <summary>A node as the API server reports it.</summary>
public sealed record NodeStatus(string Name, IReadOnlyList<string> Addresses, bool Ready);

/// <summary>A Flux Kustomization's Ready condition.</summary>
public sealed record KustomizationStatus(string Namespace, string Name, bool Ready, string Message);

/// <summary>What bootstrap reads from and writes to the Kubernetes API (KubernetesClient in Edge).</summary>
public interface IClusterApi
{
    Task<IReadOnlyList<NodeStatus>> NodesAsync(CancellationToken cancel);

    /// <summary>True when the Secret exists and holds every one of <paramref name="keys"/>.</summary>
    Task<bool> SecretHasKeysAsync(string @namespace, string name, IReadOnlyCollection<string> keys, CancellationToken cancel);

    /// <summary>Creates the namespace if needed, then creates or replaces the Secret.</summary>
    Task ApplySecretAsync(string @namespace, string name, IReadOnlyDictionary<string, byte[]> data, CancellationToken cancel);

    /// <summary>Every Flux Kustomization; empty when Flux's CRDs are not installed.</summary>
    Task<IReadOnlyList<KustomizationStatus>> KustomizationsAsync(CancellationToken cancel);
}

/// <summary>Creates the API client once a kubeconfig exists (it does not before the kubeconfig phase).</summary>
public interface IClusterApiFactory
{
    IClusterApi Connect(string kubeconfigPath);
}
