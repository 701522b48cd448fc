using System.Text.Json.Nodes;
using HomeOps.Model.Repository;

namespace HomeOps.Validate.Rules.Flux;

/// <summary>A Secret an object needs: its namespace and name, the JSON pointer of the name field, and how it is referenced.</summary>
public sealed record SecretReference(string Namespace, string Name, string Pointer, string Via);

/// <summary>
/// The Secrets an object references by name, where a missing one breaks it: Flux objects' secretRefs,
/// valuesFrom and substituteFrom; External Secrets stores' auth secrets; Pod templates' env, envFrom
/// and volumes. HelmRelease values are the chart's business and Ingress TLS secrets are created by
/// cert-manager's ingress-shim, so neither is read. References marked optional: true are left out.
/// </summary>
public static class SecretReferences
{
    public static IEnumerable<SecretReference> Of(Manifest m, string ns)
    {
        if (m.Group.EndsWith(".toolkit.fluxcd.io", StringComparison.Ordinal)) return Flux(m, ns);
        if (m.Group == "external-secrets.io" && m.Kind is "SecretStore" or "ClusterSecretStore") return Store(m, ns);
        return PodSpecPointer(m) is { } pod ? Pod(m.Body, pod, ns) : [];
    }

    private static bool IsSecretRefKey(string key) => key == "secretRef" || key.EndsWith("SecretRef", StringComparison.Ordinal);

    private static bool Optional(JsonNode? reference) =>
        reference.Field("optional") is JsonValue v && (v.TryGetValue<bool>(out var b) ? b : Manifest.Text(v) == "true");

    /// <summary>Objects under <paramref name="node"/> held by a secretRef-like key and naming a Secret, at most <paramref name="depth"/> levels down.</summary>
    private static IEnumerable<(JsonObject Reference, string Pointer)> SecretRefs(JsonNode? node, string pointer, int depth)
    {
        if (depth == 0 || node is not JsonObject obj) yield break;
        foreach (var (key, value) in obj)
        {
            // HelmRelease values belong to the chart; a secretRef there means whatever the chart makes of it.
            if (key == "values") continue;
            if (IsSecretRefKey(key) && value is JsonObject reference && Manifest.Text(reference["name"]) is not null)
                yield return (reference, $"{pointer}/{key}");
            else
                foreach (var found in SecretRefs(value, $"{pointer}/{key}", depth - 1)) yield return found;
        }
    }

    /// <summary>Flux reads its secretRefs (and valuesFrom/substituteFrom) from the object's own namespace.</summary>
    private static IEnumerable<SecretReference> Flux(Manifest m, string ns)
    {
        foreach (var (reference, pointer) in SecretRefs(m.Body["spec"], "/spec", depth: 2))
            yield return new SecretReference(ns, Manifest.Text(reference["name"])!, $"{pointer}/name", pointer[1..].Replace('/', '.'));
        foreach (var list in new[] { "/spec/valuesFrom", "/spec/postBuild/substituteFrom" })
            foreach (var (item, i) in Manifest.Items(FluxTree.Resolve(m.Body, list)))
                if (Manifest.Text(item.Field("kind")) == "Secret" && Manifest.Text(item.Field("name")) is { } name && !Optional(item))
                    yield return new SecretReference(ns, name, $"{list}/{i}/name", list[1..].Replace('/', '.'));
    }

    /// <summary>A ClusterSecretStore has no namespace of its own: its references without one are not checked.</summary>
    private static IEnumerable<SecretReference> Store(Manifest m, string ns) =>
        SecretRefs(m.Body["spec"].Field("provider"), "/spec/provider", depth: 8)
            .Select(r => (r.Reference, r.Pointer, Namespace: Manifest.Text(r.Reference["namespace"]) ?? (m.Kind == "SecretStore" ? ns : null)))
            .Where(r => r.Namespace is not null)
            .Select(r => new SecretReference(r.Namespace!, Manifest.Text(r.Reference["name"])!, $"{r.Pointer}/name", r.Pointer[1..].Replace('/', '.')));

    private static string? PodSpecPointer(Manifest m) => (m.Group, m.Kind) switch
    {
        ("apps", "Deployment" or "StatefulSet" or "DaemonSet" or "ReplicaSet") or ("batch", "Job") => "/spec/template/spec",
        ("batch", "CronJob") => "/spec/jobTemplate/spec/template/spec",
        ("", "Pod") => "/spec",
        _ => null,
    };

    private static IEnumerable<SecretReference> Pod(JsonObject body, string pod, string ns)
    {
        var found = new List<(JsonNode? Reference, string NameField, string Pointer, string Via)>();
        foreach (var containers in new[] { "containers", "initContainers", "ephemeralContainers" })
            foreach (var (container, c) in Manifest.Items(FluxTree.Resolve(body, $"{pod}/{containers}")))
            {
                var at = $"{pod}/{containers}/{c}";
                foreach (var (env, e) in Manifest.Items(container.Field("env")))
                    found.Add((env.Field("valueFrom").Field("secretKeyRef"), "name", $"{at}/env/{e}/valueFrom/secretKeyRef", "env valueFrom.secretKeyRef"));
                foreach (var (envFrom, e) in Manifest.Items(container.Field("envFrom")))
                    found.Add((envFrom.Field("secretRef"), "name", $"{at}/envFrom/{e}/secretRef", "envFrom.secretRef"));
            }
        foreach (var (volume, v) in Manifest.Items(FluxTree.Resolve(body, $"{pod}/volumes")))
        {
            found.Add((volume.Field("secret"), "secretName", $"{pod}/volumes/{v}/secret", "volume secret"));
            foreach (var (source, s) in Manifest.Items(volume.Field("projected").Field("sources")))
                found.Add((source.Field("secret"), "name", $"{pod}/volumes/{v}/projected/sources/{s}/secret", "projected volume secret"));
        }
        return found
            .Where(f => Manifest.Text(f.Reference.Field(f.NameField)) is not null && !Optional(f.Reference))
            .Select(f => new SecretReference(ns, Manifest.Text(f.Reference![f.NameField])!, $"{f.Pointer}/{f.NameField}", f.Via));
    }

}
