using System.Text.Json.Nodes;
using HomeOps.Model.Repository;

namespace HomeOps.Model.Network;

/// <summary>
/// Kubernetes label selectors (matchLabels and matchExpressions) as Cilium evaluates them. Cilium
/// differs by field on what an absent or empty selector means, so callers say which applies.
/// </summary>
public static class LabelSelector
{
    /// <summary>How an absent or empty (<c>{}</c>) selector behaves.</summary>
    public enum WhenEmpty
    {
        /// <summary>CiliumLoadBalancerIPPool.spec.serviceSelector: no selector serves every Service.</summary>
        SelectsAll,

        /// <summary>
        /// CiliumBGPAdvertisement selectors and CiliumBGPPeerConfig families[].advertisements: Cilium
        /// documents "if not specified, nothing is selected"; selecting everything takes a NotIn
        /// expression on a label nobody sets.
        /// </summary>
        SelectsNothing,
    }

    public static bool IsEmpty(JsonNode? selector) =>
        selector is not JsonObject obj
        || (obj["matchLabels"] as JsonObject)?.Count is null or 0 && (obj["matchExpressions"] as JsonArray)?.Count is null or 0;

    public static bool Matches(JsonNode? selector, IReadOnlyDictionary<string, string> labels, WhenEmpty whenEmpty)
    {
        if (IsEmpty(selector)) return whenEmpty == WhenEmpty.SelectsAll;
        foreach (var (key, value) in selector!["matchLabels"] as JsonObject ?? [])
            if (!labels.TryGetValue(key, out var actual) || actual != Manifest.Text(value)) return false;
        foreach (var expression in (selector["matchExpressions"] as JsonArray ?? []).OfType<JsonObject>())
            if (!Satisfies(expression, labels)) return false;
        return true;
    }

    private static bool Satisfies(JsonObject expression, IReadOnlyDictionary<string, string> labels)
    {
        var key = Manifest.Text(expression["key"]) ?? "";
        var values = (expression["values"] as JsonArray ?? []).Select(Manifest.Text).ToHashSet();
        var present = labels.TryGetValue(key, out var actual);
        return Manifest.Text(expression["operator"]) switch
        {
            "In" => present && values.Contains(actual),
            "NotIn" => !present || !values.Contains(actual),
            "Exists" => present,
            "DoesNotExist" => !present,
            _ => false, // an unknown operator is rejected by the API server; selecting nothing is the safe reading
        };
    }

    /// <summary>String-valued entries of a labels or annotations mapping.</summary>
    public static IReadOnlyDictionary<string, string> StringMap(JsonNode? node) =>
        (node as JsonObject ?? []).Where(p => Manifest.Text(p.Value) is not null).ToDictionary(p => p.Key, p => Manifest.Text(p.Value)!);
}
