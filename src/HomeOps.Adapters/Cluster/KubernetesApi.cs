using System.Net;
using HomeOps.Operations.Bootstrap;
using HomeOps.Operations.Observe;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace HomeOps.Adapters.Cluster;

/// <summary>
/// The Kubernetes API through KubernetesClient: real list calls, typed models, no kubectl output parsing. An API server that
/// does not answer (still starting after etcd, restarting) is a <see cref="ClusterUnreachableException"/>, which bootstrap's
/// waits treat as "not yet".
/// </summary>
public sealed class KubernetesClusterApi(IKubernetes client, string server) : IClusterApi
{
    public Task<IReadOnlyList<NodeStatus>> NodesAsync(CancellationToken cancel) => KubernetesCalls.Call(server, async () =>
    {
        var nodes = await client.CoreV1.ListNodeAsync(cancellationToken: cancel);
        return (IReadOnlyList<NodeStatus>)nodes.Items.Select(n => new NodeStatus(
            n.Metadata.Name,
            n.Status?.Addresses?.Select(a => a.Address).ToList() ?? [],
            n.Status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") ?? false)).ToList();
    });

    public Task<bool> SecretHasKeysAsync(string @namespace, string name, IReadOnlyCollection<string> keys, CancellationToken cancel) => KubernetesCalls.Call(server, async () =>
    {
        try
        {
            var secret = await client.CoreV1.ReadNamespacedSecretAsync(name, @namespace, cancellationToken: cancel);
            return keys.All(k => secret.Data?.ContainsKey(k) == true);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound) { return false; }
    });

    public Task ApplySecretAsync(string @namespace, string name, IReadOnlyDictionary<string, byte[]> data, CancellationToken cancel) =>
        KubernetesCalls.Call(server, async () => { await ApplyAsync(@namespace, name, data, cancel); return true; });

    private async Task ApplyAsync(string @namespace, string name, IReadOnlyDictionary<string, byte[]> data, CancellationToken cancel)
    {
        try { await client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = @namespace } }, cancellationToken: cancel); }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Conflict) { }
        var secret = new V1Secret
        {
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = @namespace, Labels = new Dictionary<string, string> { ["app.kubernetes.io/managed-by"] = "homeops-bootstrap" } },
            Type = "Opaque",
            Data = data.ToDictionary(p => p.Key, p => p.Value),
        };
        try { await client.CoreV1.CreateNamespacedSecretAsync(secret, @namespace, cancellationToken: cancel); }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Conflict)
        {
            await client.CoreV1.ReplaceNamespacedSecretAsync(secret, name, @namespace, cancellationToken: cancel);
        }
    }

    public Task<IReadOnlyList<KustomizationStatus>> KustomizationsAsync(CancellationToken cancel) => KubernetesCalls.Call(server, async () =>
        (IReadOnlyList<KustomizationStatus>)(await KubernetesObjects.ListAsync(client, "kustomize.toolkit.fluxcd.io", "v1", "kustomizations", cancel) ?? []).Select(k =>
        {
            var ready = k.Array("status", "conditions").Condition("Ready");
            return new KustomizationStatus(k.Text("metadata", "namespace"), k.Text("metadata", "name"), ready.True,
                ready.Found ? ready.Message : "no Ready condition yet");
        }).ToList()); // none (Flux's CRDs are not installed yet) reads as an empty list
}

public sealed class KubernetesClusterApiFactory : IClusterApiFactory
{
    public IClusterApi Connect(string kubeconfigPath)
    {
        var config = KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfigPath);
        return new KubernetesClusterApi(new Kubernetes(config), config.Host);
    }
}
