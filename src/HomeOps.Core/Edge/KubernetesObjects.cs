using System.Net;
using System.Text.Json;
using k8s;
using k8s.Autorest;

namespace HomeOps.Core.Edge;

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

    /// <summary>The value at a property path, or an Undefined element when any step is missing.</summary>
    public static JsonElement At(this JsonElement element, params string[] path)
    {
        foreach (var name in path)
        {
            if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(name, out element)) return default;
        }
        return element;
    }

    public static string Text(this JsonElement element, params string[] path) =>
        element.At(path) is { ValueKind: JsonValueKind.String } s ? s.GetString()! : "";

    /// <summary>A number, also when written as a string (Longhorn's spec.size is an int64 string).</summary>
    public static long Number(this JsonElement element, params string[] path) => element.At(path) switch
    {
        { ValueKind: JsonValueKind.Number } n when n.TryGetInt64(out var v) => v,
        { ValueKind: JsonValueKind.String } s when long.TryParse(s.GetString(), out var v) => v,
        _ => 0,
    };

    public static IEnumerable<JsonElement> Array(this JsonElement element, params string[] path) =>
        element.At(path) is { ValueKind: JsonValueKind.Array } a ? a.EnumerateArray() : [];

    public static IEnumerable<JsonProperty> Map(this JsonElement element, params string[] path) =>
        element.At(path) is { ValueKind: JsonValueKind.Object } o ? o.EnumerateObject() : [];

    /// <summary>The condition of <paramref name="type"/> in a status.conditions-style array: (status is "True", reason, message); Found false when absent.</summary>
    public static (bool Found, bool True, string Reason, string Message) Condition(this IEnumerable<JsonElement> conditions, string type)
    {
        foreach (var c in conditions)
            if (c.Text("type") == type) return (true, c.Text("status") == "True", c.Text("reason"), c.Text("message"));
        return (false, false, "", "");
    }
}
