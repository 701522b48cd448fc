using System.Text;
using System.Text.Json.Nodes;
using HomeOps.Model.Repository;

namespace HomeOps.Compile.Flux;

/// <summary>What a substituteFrom object provides: its keys and what is known of their values (null: keys unknown), and where it comes from.</summary>
public sealed record VariableSource(IReadOnlyDictionary<string, Variable>? Values, string How);

/// <summary>
/// The ConfigMaps and Secrets Flux could read variables from, by kind, namespace and name: the tree's
/// ConfigMaps and Secrets (SOPS-encrypted ones with their keys and unknown values), the Secrets its
/// ExternalSecrets write (keys from the target template or spec.data; unknown when dataFrom decides),
/// and what the bootstrap creates.
/// </summary>
public sealed class SourceIndex
{
    private readonly Dictionary<(string Kind, string Namespace, string Name), VariableSource> _sources = [];
    private readonly List<OutsideObject> _outside;

    public SourceIndex(IEnumerable<OutsideObject> outside, IEnumerable<Manifest> applied)
    {
        _outside = outside.ToList();
        foreach (var o in applied)
        {
            var ns = FluxModel.NamespaceOf(o);
            switch (o.Group, o.Kind)
            {
                case ("", "ConfigMap"):
                    _sources[("ConfigMap", ns, o.Name)] = new VariableSource(Strings(o.Body["data"]).ToDictionary(p => p.Key, p => Known(p.Value)), $"ConfigMap in {o.File}");
                    break;
                case ("", "Secret"):
                    var values = new Dictionary<string, Variable>(StringComparer.Ordinal);
                    foreach (var (key, value) in Strings(o.Body["data"])) values[key] = Sops.IsEncryptedValue(value) ? Variable.Unknown : Decode(value);
                    foreach (var (key, value) in Strings(o.Body["stringData"])) values[key] = Sops.IsEncryptedValue(value) ? Variable.Unknown : Known(value);
                    _sources[("Secret", ns, o.Name)] = new VariableSource(values, $"Secret in {o.File}");
                    break;
                case ("external-secrets.io", "ExternalSecret"):
                    var target = Manifest.Text(o.Body["spec"].Field("target").Field("name")) ?? o.Name;
                    _sources[("Secret", ns, target)] = new VariableSource(ExternalSecretKeys(o), $"ExternalSecret {o.Name} in {o.File}");
                    break;
            }
        }
    }

    public VariableSource? Find(string kind, string ns, string name)
    {
        if (_sources.TryGetValue((kind, ns, name), out var found)) return found;
        var outside = _outside.FirstOrDefault(o => o.Kind == kind && o.Name == name && o.IsIn(ns));
        return outside is null ? null : new VariableSource(outside.Keys?.ToDictionary(k => k, _ => Variable.Unknown, StringComparer.Ordinal), outside.How);
    }

    /// <summary>True when both indexes give every object the same variables (the walk has converged).</summary>
    public bool SameAs(SourceIndex other) => Fingerprint() == other.Fingerprint();

    private string Fingerprint()
    {
        var b = new StringBuilder();
        foreach (var ((kind, ns, name), source) in _sources.OrderBy(p => $"{p.Key.Kind}/{p.Key.Namespace}/{p.Key.Name}", StringComparer.Ordinal))
        {
            b.Append(kind).Append('/').Append(ns).Append('/').Append(name).Append(':');
            foreach (var (key, value) in (source.Values ?? new Dictionary<string, Variable>()).OrderBy(p => p.Key, StringComparer.Ordinal))
                b.Append(key).Append('=').Append(value.State).Append(value.Value).Append(';');
            b.Append(source.Values is null ? "open" : "").Append('\n');
        }
        return b.ToString();
    }

    private static Variable Known(string value) => value.Contains("${", StringComparison.Ordinal) ? Variable.Unknown : Variable.Of(value);

    private static Variable Decode(string base64)
    {
        try { return Known(Encoding.UTF8.GetString(Convert.FromBase64String(base64))); }
        catch (FormatException) { return Variable.Unknown; }
    }

    private static IEnumerable<(string Key, string Value)> Strings(JsonNode? map) =>
        (map as JsonObject ?? []).Select(p => (p.Key, Manifest.Text(p.Value) ?? p.Value?.ToJsonString() ?? ""));

    /// <summary>
    /// The keys of the Secret an ExternalSecret writes (external-secrets v1 ExternalSecretTarget): the
    /// template's data keys when it has a template (mergePolicy Replace, the default), else spec.data's
    /// secretKeys; dataFrom or templateFrom decide keys that only the provider knows (null).
    /// </summary>
    private static Dictionary<string, Variable>? ExternalSecretKeys(Manifest external)
    {
        var spec = external.Body["spec"];
        var template = spec.Field("target").Field("template");
        var merge = Manifest.Text(template.Field("mergePolicy")) == "Merge";
        var keys = new Dictionary<string, Variable>(StringComparer.Ordinal);
        if (template is JsonObject)
        {
            if (template.Field("templateFrom") is JsonArray { Count: > 0 }) return null;
            foreach (var (key, _) in template.Field("data") as JsonObject ?? []) keys[key] = Variable.Unknown;
            if (!merge) return keys;
        }
        if (spec.Field("dataFrom") is JsonArray { Count: > 0 }) return null;
        foreach (var item in spec.Field("data") as JsonArray ?? [])
            if (Manifest.Text(item.Field("secretKey")) is { } key) keys[key] = Variable.Unknown;
        return keys;
    }
}
