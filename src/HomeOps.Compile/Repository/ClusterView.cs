using HomeOps.Compile.Flux;
using HomeOps.Model.Repository;

namespace HomeOps.Compile.Repository;

/// <summary>The objects as a cluster has them: rendered by the Flux tree (when <see cref="FromFlux"/>), else as written.</summary>
public sealed class ClusterView(IReadOnlyList<Manifest> objects, bool fromFlux, string name = "")
{
    /// <summary>Which cluster (the root that starts its tree); "" for the only one, or for every object as written.</summary>
    public string Name { get; } = name;

    private readonly ILookup<string, Manifest> _byKind = objects.ToLookup(m => m.Kind, StringComparer.Ordinal);

    public IReadOnlyList<Manifest> Objects { get; } = objects;

    /// <summary>True when the objects are what a Flux tree applies (documents no build reaches are left out).</summary>
    public bool FromFlux { get; } = fromFlux;

    public IEnumerable<Manifest> OfKind(string kind) => _byKind[kind];

    public IEnumerable<Manifest> OfKind(string group, string kind) => OfKind(kind).Where(m => m.Group == group);

    /// <summary>The namespace the object lives in: its metadata.namespace, else flux-system for Flux objects and "default" for the rest.</summary>
    public static string NamespaceOf(Manifest manifest) => FluxModel.NamespaceOf(manifest);
}
