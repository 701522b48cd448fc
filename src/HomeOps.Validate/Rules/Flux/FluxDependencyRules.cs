using System.Text.Json.Nodes;
using HomeOps.Compile.Flux;
using HomeOps.Compile.Repository;
using HomeOps.Model;
using HomeOps.Model.Repository;
using HomeOps.Validate.Engine;

namespace HomeOps.Validate.Rules.Flux;

/// <summary>
/// The spec.dependsOn graph of Flux Kustomizations and HelmReleases: every edge must land on an
/// object of the same kind, and the graph must be acyclic. Flux waits for a missing or cyclic
/// dependency forever, without an error of its own, so everything behind it silently stalls.
/// </summary>
public sealed class FluxDependencyRules : IRuleSet
{
    public const string Missing = "flux/dependency-missing";
    public const string Cycle = "flux/dependency-cycle";

    public IReadOnlyList<RuleInfo> Rules { get; } =
    [
        new(Missing, Severity.Error, "A Flux Kustomization or HelmRelease dependsOn an object of its kind that the repository does not define."),
        new(Cycle, Severity.Error, "The dependsOn graph of Flux Kustomizations or HelmReleases has a cycle."),
    ];

    private sealed record Edge(ObjectKey To, string Pointer);

    /// <summary>Each cluster the repository describes on its own (objects of one cluster never satisfy another's references).</summary>
    public void Check(RepoModel repo, RuleContext context)
    {
        foreach (var cluster in repo.Clusters) CheckCluster(FluxTree.Of(repo, cluster), context);
    }

    private static void CheckCluster(FluxTree tree, RuleContext context)
    {
        var nodes = new Dictionary<ObjectKey, Manifest>();
        foreach (var m in tree.Kustomizations.Concat(tree.HelmReleases)) nodes.TryAdd(FluxTree.KeyOf(m), m);
        var edges = new Dictionary<ObjectKey, List<Edge>>();
        foreach (var (key, m) in nodes)
        {
            edges[key] = [];
            foreach (var (dependency, i) in (m.Body["spec"].Field("dependsOn") as JsonArray ?? []).Select((d, i) => (d, i)))
            {
                if (Manifest.Text(dependency.Field("name")) is not { } name) continue;
                var target = new ObjectKey(key.Kind, Manifest.Text(dependency.Field("namespace")) ?? key.Namespace, name);
                var pointer = $"/spec/dependsOn/{i}/name";
                if (nodes.ContainsKey(target)) edges[key].Add(new Edge(target, pointer));
                else context.Report(Missing, m.At(pointer), $"{key} dependsOn '{Short(key, target)}', which does not exist", MissingHint(nodes.Keys, target));
            }
        }
        foreach (var cycle in Cycles(edges))
        {
            var first = cycle[0];
            var edge = edges[first].First(e => e.To == cycle[1 % cycle.Count]);
            var path = string.Join(" -> ", cycle.Append(first).Select(k => Short(first, k)));
            context.Report(Cycle, nodes[first].At(edge.Pointer), $"{first} is in a dependsOn cycle: {path}; Flux waits on it forever and none of them reconciles",
                "remove the dependsOn entry that is not a real ordering need, so that the chain runs one way");
        }
    }

    /// <summary>The name as dependsOn writes it: bare in the same namespace, namespace/name otherwise.</summary>
    private static string Short(ObjectKey from, ObjectKey to) => to.Namespace == from.Namespace ? to.Name : $"{to.Namespace}/{to.Name}";

    private static string MissingHint(IEnumerable<ObjectKey> nodes, ObjectKey target) =>
        Nearest.Hint(target, nodes) ?? $"define {target.Kind} {target.Namespace}/{target.Name}, or remove the entry";

    /// <summary>
    /// One cycle per back edge of a depth-first search (deterministic order), each rotated to start at
    /// its smallest node and reported once: every cyclic part of the graph shows up, without
    /// enumerating all elementary cycles (exponential in the worst case).
    /// </summary>
    private static IEnumerable<List<ObjectKey>> Cycles(Dictionary<ObjectKey, List<Edge>> edges)
    {
        var done = new HashSet<ObjectKey>();
        var stack = new List<ObjectKey>();
        var found = new SortedDictionary<string, List<ObjectKey>>(StringComparer.Ordinal);
        void Visit(ObjectKey node)
        {
            stack.Add(node);
            foreach (var next in edges[node].Select(e => e.To))
            {
                var at = stack.IndexOf(next);
                if (at >= 0) Record(stack[at..]);
                else if (!done.Contains(next)) Visit(next);
            }
            stack.RemoveAt(stack.Count - 1);
            done.Add(node);
        }
        void Record(List<ObjectKey> cycle)
        {
            var start = cycle.IndexOf(cycle.MinBy(k => k.ToString(), StringComparer.Ordinal));
            var rotated = cycle[start..].Concat(cycle[..start]).ToList();
            found.TryAdd(string.Join("|", rotated), rotated);
        }
        foreach (var node in edges.Keys.OrderBy(k => k.ToString(), StringComparer.Ordinal))
            if (!done.Contains(node)) Visit(node);
        return found.Values;
    }
}
