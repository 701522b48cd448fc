using YamlDotNet.RepresentationModel;

namespace HomeOps.Model.Yaml;

/// <summary>
/// How many nodes YAML aliases may add once expanded ("billion laughs"), per file and per run. What a file adds is
/// counted on the parsed tree without expanding it (aliases are shared nodes there), so a rejected file costs no more
/// than parsing it. The run's budget is ambient: <see cref="Enter"/> opens it for the code that reads one repository
/// (the loader, then the rules, which re-parse files), and every <see cref="YamlDocuments.Parse"/> inside draws on it,
/// from any thread the run starts.
/// </summary>
public sealed class YamlBudget(long nodes = YamlBudget.PerRun)
{
    /// <summary>Most nodes the aliases of one file may add. Anchors in real configuration (shared resources, merged defaults) add hundreds.</summary>
    public const long PerFile = 100_000;

    /// <summary>Most nodes the aliases of all files of one run may add, each file read by every reader counted.</summary>
    public const long PerRun = 1_000_000;

    private static readonly AsyncLocal<YamlBudget?> Current = new();

    private long _left = nodes;

    /// <summary>Makes <paramref name="budget"/> the run's budget until the result is disposed.</summary>
    public static IDisposable Enter(YamlBudget budget)
    {
        var previous = Current.Value;
        Current.Value = budget;
        return new Scope(() => Current.Value = previous);
    }

    /// <summary>Null when the file is within both budgets (and takes its share of the run's); otherwise why not.</summary>
    internal static string? Charge(IEnumerable<YamlDocument> documents)
    {
        var added = Added(documents);
        if (added > PerFile) return $"the aliases of this file expand to more than {PerFile} further nodes (alias bomb?)";
        if (Current.Value is { } run && Interlocked.Add(ref run._left, -added) < 0)
            return $"the repository's YAML aliases together expand to more than {PerRun} further nodes; this file was not read (alias bombs?)";
        return null;
    }

    /// <summary>
    /// Nodes the documents have once aliases are expanded, less the nodes written: post-order over the shared tree,
    /// each node's expanded size computed once. Sizes saturate at 2^50 (no overflow); a cycle counts as that much.
    /// </summary>
    private static long Added(IEnumerable<YamlDocument> documents)
    {
        const long Saturated = 1L << 50;
        var size = new Dictionary<YamlNode, long>(ReferenceEqualityComparer.Instance);
        long written = 0, expanded = 0;
        foreach (var document in documents)
        {
            var stack = new Stack<(YamlNode Node, bool Done)>();
            stack.Push((document.RootNode, false));
            while (stack.Count > 0)
            {
                var (node, done) = stack.Pop();
                if (!done)
                {
                    if (size.TryGetValue(node, out var known))
                    {
                        if (known < 0) return Saturated; // reached again while its own children are pending: a cycle
                        continue;
                    }
                    size[node] = -1;
                    written++;
                    stack.Push((node, true));
                    foreach (var child in Children(node)) stack.Push((child, false));
                    continue;
                }
                long total = 1;
                foreach (var child in Children(node)) total = Math.Min(Saturated, total + size[child]);
                size[node] = total;
            }
            expanded = Math.Min(Saturated, expanded + size[document.RootNode]);
        }
        return Math.Max(0, expanded - written);
    }

    /// <summary>The nodes a conversion visits under <paramref name="node"/>: sequence items and mapping values.</summary>
    private static IEnumerable<YamlNode> Children(YamlNode node) => node switch
    {
        YamlSequenceNode sequence => sequence.Children,
        YamlMappingNode mapping => mapping.Children.Values,
        _ => [],
    };

    private sealed class Scope(Action exit) : IDisposable
    {
        public void Dispose() => exit();
    }
}
