using System.Net;
using System.Text.Json;
using HomeOps.Core.Orchestrate.Bootstrap;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace HomeOps.Core.Edge;

/// <summary>The Kubernetes API through KubernetesClient: real list calls, typed models, no kubectl output parsing.</summary>
public sealed class KubernetesClusterApi(IKubernetes client) : IClusterApi
{
    public async Task<IReadOnlyList<NodeStatus>> NodesAsync(CancellationToken cancel)
    {
        var nodes = await client.CoreV1.ListNodeAsync(cancellationToken: cancel);
        return nodes.Items.Select(n => new NodeStatus(
            n.Metadata.Name,
            n.Status?.Addresses?.Select(a => a.Address).ToList() ?? [],
            n.Status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") ?? false)).ToList();
    }

    public async Task<bool> SecretHasKeysAsync(string @namespace, string name, IReadOnlyCollection<string> keys, CancellationToken cancel)
    {
        try
        {
            var secret = await client.CoreV1.ReadNamespacedSecretAsync(name, @namespace, cancellationToken: cancel);
            return keys.All(k => secret.Data?.ContainsKey(k) == true);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound) { return false; }
    }

    public async Task ApplySecretAsync(string @namespace, string name, IReadOnlyDictionary<string, byte[]> data, CancellationToken cancel)
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

    public async Task<IReadOnlyList<KustomizationStatus>> KustomizationsAsync(CancellationToken cancel)
    {
        object list;
        try { list = await client.CustomObjects.ListClusterCustomObjectAsync("kustomize.toolkit.fluxcd.io", "v1", "kustomizations", cancellationToken: cancel); }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound) { return []; } // Flux's CRDs are not installed yet
        var root = list is JsonElement element ? element : JsonSerializer.SerializeToElement(list);
        var result = new List<KustomizationStatus>();
        foreach (var item in root.GetProperty("items").EnumerateArray())
        {
            var metadata = item.GetProperty("metadata");
            var ready = item.TryGetProperty("status", out var status) && status.TryGetProperty("conditions", out var conditions)
                ? conditions.EnumerateArray().FirstOrDefault(c => c.TryGetProperty("type", out var t) && t.GetString() == "Ready")
                : default;
            var isReady = ready.ValueKind == JsonValueKind.Object && ready.TryGetProperty("status", out var s) && s.GetString() == "True";
            var message = ready.ValueKind == JsonValueKind.Object && ready.TryGetProperty("message", out var m) ? m.GetString() ?? "" : "no Ready condition yet";
            result.Add(new KustomizationStatus(metadata.GetProperty("namespace").GetString() ?? "", metadata.GetProperty("name").GetString() ?? "", isReady, message));
        }
        return result;
    }
}

public sealed class KubernetesClusterApiFactory : IClusterApiFactory
{
    public IClusterApi Connect(string kubeconfigPath) =>
        new KubernetesClusterApi(new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfigPath)));
}
