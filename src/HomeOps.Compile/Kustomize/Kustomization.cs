using System.Text.Json.Nodes;
using HomeOps.Model;
using HomeOps.Model.Repository;

namespace HomeOps.Compile.Kustomize;

/// <summary>
/// A kustomization as a build reads it: the body (from a kustomization file, or made by Flux), the
/// directory paths in it are relative to, and where each of its entries was written.
/// </summary>
/// <param name="Directory">Repository-relative directory ("" for the root).</param>
/// <param name="Body">The kustomization fields (resources, patches, namespace...).</param>
/// <param name="Locate">Where the value at a JSON pointer of <paramref name="Body"/> was written.</param>
public sealed record Kustomization(string Directory, JsonObject Body, Func<string, SourceLocation> Locate)
{
    /// <summary>The kustomization file it was read from, if any.</summary>
    public string? File { get; init; }

    /// <summary>The kustomization file as a document, for positions of what a generator makes.</summary>
    public Manifest? Manifest { get; init; }

    /// <summary>Why the kustomization file could not be read; the build fails with it.</summary>
    public string? Broken { get; init; }

    public SourceLocation At(string pointer) => Locate(pointer);

    /// <summary>The string entries of a list field with their pointers.</summary>
    public IEnumerable<(string Value, string Pointer)> Strings(string field) =>
        (Body[field] as JsonArray ?? []).Select((item, i) => (Value: Model.Repository.Manifest.Text(item), Pointer: $"/{field}/{i}"))
            .Where(e => e.Value is not null).Select(e => (e.Value!, e.Pointer));
}

/// <summary>A resource's identity as kustomize compares them: group, version, kind, name, namespace ("" is "default").</summary>
public readonly record struct ResourceId(string Group, string Version, string Kind, string Name, string Namespace)
{
    public string EffectiveNamespace => Namespace.Length == 0 ? "default" : Namespace;

    public static ResourceId Of(JsonObject body)
    {
        var apiVersion = Manifest.Text(body["apiVersion"]) ?? "";
        var slash = apiVersion.IndexOf('/');
        return new ResourceId(slash < 0 ? "" : apiVersion[..slash], slash < 0 ? apiVersion : apiVersion[(slash + 1)..], Manifest.Text(body["kind"]) ?? "",
            Manifest.Text(body["metadata"].Field("name")) ?? "", Manifest.Text(body["metadata"].Field("namespace")) ?? "");
    }

    /// <summary>kustomize's ResId.Equals: the same group, version, kind and name, in the same effective namespace.</summary>
    public bool SameAs(ResourceId other) =>
        Group == other.Group && Version == other.Version && Kind == other.Kind && Name == other.Name && EffectiveNamespace == other.EffectiveNamespace;

    public override string ToString() => $"{Kind} {(Namespace.Length == 0 ? "" : Namespace + "/")}{Name}";
}
