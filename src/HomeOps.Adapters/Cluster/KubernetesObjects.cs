using System.Net;
using System.Text.Json;
using k8s;
using k8s.Autorest;

namespace HomeOps.Adapters.Cluster;

/// <summary>Custom resources as JSON, for kinds KubernetesClient has no models for (Flux, Longhorn, cert-manager, Cilium).</summary>
internal static class KubernetesObjects
{
    /// <summary>Every object of one custom resource, cluster-wide; null when the API does not serve it (the CRD is not installed).</summary>
    public static async Task<IReadOnlyList<JsonElement>?> ListAsync(IKubernetes client, string group, string version, string plural, CancellationToken cancel)
    {
        object list;
        try { list = await client.CustomObjects.ListClusterCustomObjectAsync(group, version, plural, cancellationToken: cancel); }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound) { return null; }
        var root = list is JsonElement element ? element : JsonSerializer.SerializeToElement(list);
        return root.TryGetProperty("items", out var items) && items.ValueKind == JsonValueKind.Array ? items.EnumerateArray().ToList() : [];
    }
}
