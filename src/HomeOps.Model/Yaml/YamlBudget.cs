using YamlDotNet.Core;
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

    /// <summary>
    /// Null when the file is within both budgets (and takes its share of the run's); otherwise why not, and where: the
    /// first anchored node whose expansion alone is over the file's budget, else the start of the file's last document.
    /// </summary>
    internal static (string Message, Mark At)? Charge(IList<YamlDocument> documents)
    {
        if (documents.Count == 0) return null;
        var (added, largest) = Added(documents);
        var at = largest ?? documents[documents.Count - 1].RootNode.Start;
        if (added > PerFile) return ($"the aliases of this file expand to more than {PerFile} further nodes (alias bomb?)", at);
        if (Current.Value is { } run && Interlocked.Add(ref run._left, -added) < 0)
            return ($"the repository's YAML aliases together expand to more than {PerRun} further nodes; this file was not read (alias bombs?)", at);
        return null;
    }

    /// <summary>
    /// Nodes the documents have once aliases are expanded, less the nodes written: post-order over the shared tree,
    /// each node's expanded size computed once, and the first node whose size alone is over <see cref="PerFile"/>.
    /// Sizes saturate at 2^50 (no overflow). An alias inside the node it names (a cycle) adds nothing here: the
    /// conversion refuses it at the alias' position (<see cref="YamlJson.ToJson"/>).
    /// </summary>
    private static (long Added, Mark? Largest) Added(IEnumerable<YamlDocument> documents)
    {
        const long Saturated = 1L << 50;
        var size = new Dictionary<YamlNode, long>(ReferenceEqualityComparer.Instance);
        long written = 0, expanded = 0;
        Mark? largest = null;
        foreach (var document in documents)
        {
            var stack = new Stack<(YamlNode Node, bool Done)>();
            stack.Push((document.RootNode, false));
            while (stack.Count > 0)
            {
                var (node, done) = stack.Pop();
                if (!done)
                {
                    if (size.ContainsKey(node)) continue; // known, or pending (a cycle: counted as itself below)
                    size[node] = -1;
                    written++;
                    stack.Push((node, true));
                    foreach (var child in Children(node)) stack.Push((child, false));
                    continue;
                }
                long total = 1;
                foreach (var child in Children(node)) total = Math.Min(Saturated, total + Math.Max(1, size[child]));
                size[node] = total;
                if (largest is null && total > PerFile && !node.Anchor.IsEmpty) largest = node.Start;
            }
            expanded = Math.Min(Saturated, expanded + size[document.RootNode]);
        }
        return (Math.Max(0, expanded - written), largest);
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
