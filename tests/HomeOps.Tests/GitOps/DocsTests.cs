using System.Text.RegularExpressions;

namespace HomeOps.Tests.GitOps;

/// <summary>Issue 3, acceptance 5: docs/gitops/chain.md and network.md say what the files say.</summary>
public class DocsTests(ReferenceTree tree) : IClassFixture<ReferenceTree>
{
    private string Doc(string name) => File.ReadAllText(Path.Combine(tree.Root, "docs", "gitops", name));

    private static string Mermaid(string markdown)
    {
        var m = Regex.Match(markdown, "```mermaid\n(.*?)```", RegexOptions.Singleline);
        Assert.True(m.Success, "no mermaid block");
        return m.Groups[1].Value;
    }

    /// <summary>Node id → (name, path) from lines like: id["name&lt;br/&gt;./path"].</summary>
    private static Dictionary<string, (string Name, string Path)> Nodes(string mermaid) =>
        Regex.Matches(mermaid, @"(?m)^\s*(\w+)\[""([^""<]+)<br/>([^""]+)""\]")
            .ToDictionary(m => m.Groups[1].Value, m => (m.Groups[2].Value.Trim(), m.Groups[3].Value.Trim()));

    /// <summary>Edges "a --> b" and "a &amp; b --> c &amp; d" (solid arrows only), as (from, to) node ids.</summary>
    internal static List<(string From, string To)> Edges(string mermaid, string arrow = "-->")
    {
        var edges = new List<(string, string)>();
        foreach (var line in mermaid.Split('\n'))
        {
            var parts = line.Split(arrow);
            if (parts.Length < 2) continue;
            for (var i = 0; i + 1 < parts.Length; i++)
                foreach (var from in parts[i].Split('&').Select(s => s.Trim()))
                    foreach (var to in parts[i + 1].Split('&').Select(s => s.Trim()))
                        edges.Add((from, to));
        }
        return edges;
    }

    [Fact]
    public void Chain_diagram_edges_are_exactly_the_dependsOn_edges()
    {
        var mermaid = Mermaid(Doc("chain.md"));
        var nodes = Nodes(mermaid);
        // Every node is a Flux Kustomization with the path it really has, and every Flux Kustomization is a node.
        foreach (var (_, (name, path)) in nodes)
            Assert.Equal("./" + ReferenceTree.PathOf(tree.Kustomization(name)), path == "./" ? "./" : path.TrimEnd('/'));
        Assert.Equal(tree.Kustomizations.Select(k => k.Name).Order(), nodes.Values.Select(n => n.Name).Order());

        string Name(string id) => nodes.TryGetValue(id, out var n) ? n.Name : throw new Xunit.Sdk.XunitException($"edge uses undeclared node {id}");
        // "A --> B" means B dependsOn A.
        var documented = Edges(mermaid).Select(e => $"{Name(e.To)} dependsOn {Name(e.From)}").Order().ToList();
        var actual = tree.Kustomizations.SelectMany(k => ReferenceTree.DependsOn(k).Select(d => $"{k.Name} dependsOn {d.Name}")).Order().ToList();
        Assert.NotEmpty(actual);
        Assert.Equal(actual, documented);

        // "flux-system -. applies .-> X": the roots of the chain (no dependsOn).
        var applied = Edges(mermaid, ".->").Where(e => e.From.EndsWith("applies", StringComparison.Ordinal) || Name(e.From.Split(' ')[0]) == "flux-system")
            .Select(e => Name(e.To)).Order().ToList();
        Assert.Equal(tree.Kustomizations.Where(k => k.Name != "flux-system" && ReferenceTree.DependsOn(k).Count == 0).Select(k => k.Name).Order(), applied);
    }

    [Fact]
    public void Chain_table_lists_each_Kustomization_with_its_path_and_dependsOn()
    {
        var rows = Regex.Matches(Doc("chain.md"), @"(?m)^\|[^|\n]*\|\s*`([a-z0-9-]+)`\s*\|\s*`([^`]+)`\s*\|([^|\n]*)\|")
            .ToDictionary(m => m.Groups[1].Value, m => (Path: m.Groups[2].Value, Deps: m.Groups[3].Value));
        var children = tree.Kustomizations.Where(k => k.Name != "flux-system").ToList();
        Assert.Equal(children.Select(k => k.Name).Order(), rows.Keys.Order());
        foreach (var k in children)
        {
            Assert.Equal("./" + ReferenceTree.PathOf(k), rows[k.Name].Path);
            var deps = Regex.Matches(rows[k.Name].Deps, "[a-z0-9-]+").Select(m => m.Value).Order();
            Assert.Equal(ReferenceTree.DependsOn(k).Select(d => d.Name).Order(), deps);
        }
    }

    [Fact]
    public void Network_doc_lists_every_LoadBalancer_pool_block()
    {
        var doc = Doc("network.md");
        var pools = tree.OfKind("CiliumLoadBalancerIPPool").ToList();
        Assert.NotEmpty(pools);
        foreach (var pool in pools)
        {
            var row = doc.Split('\n').SingleOrDefault(l => l.StartsWith('|') && l.Contains($"LB pool `{pool.Name}`"));
            Assert.True(row is not null, $"network.md has no table row for LB pool {pool.Name}");
            foreach (var block in pool.Body["spec"]!["blocks"]!.AsArray())
                foreach (var key in new[] { "start", "stop", "cidr" })
                    if (ReferenceTree.Str(block![key]) is { } value)
                        Assert.True(Regex.IsMatch(row, $@"(?<![0-9a-f:.]){Regex.Escape(value)}(?![0-9a-f:./])"), $"network.md row for {pool.Name} does not list {key} {value}:\n{row}");
            if (pool.Body["spec"]!["blocks"]!.AsArray().All(b => ReferenceTree.Str(b!["cidr"])?.Contains(':') != true))
                Assert.Contains("—", row.Split('|')[3]); // IPv6 column says none
        }
        // and no pool the tree does not have
        foreach (Match m in Regex.Matches(doc, @"LB pool `([^`]+)`"))
            Assert.Contains(pools, p => p.Name == m.Groups[1].Value);
    }

    [Fact]
    public void Network_doc_lists_the_talconfig_pod_and_service_networks_and_endpoint()
    {
        var lines = Doc("network.md").Split('\n');
        foreach (var (label, key) in new[] { ("Pods", "clusterPodNets"), ("Services", "clusterSvcNets") })
        {
            var row = lines.Single(l => l.StartsWith($"| {label} |", StringComparison.Ordinal));
            var nets = tree.TalConfig[key]!.AsArray().Select(n => ReferenceTree.Str(n)!).ToList();
            Assert.NotEmpty(nets);
            foreach (var net in nets)
                Assert.True(Regex.IsMatch(row, $@"(?<![0-9a-f:.]){Regex.Escape(net)}(?![0-9])"), $"network.md {label} row does not list {net}:\n{row}");
        }
        var endpoint = ReferenceTree.Str(tree.TalConfig["endpoint"])!;
        Assert.Contains(lines, l => l.StartsWith("| Kubernetes API VIP |", StringComparison.Ordinal) && l.Contains(endpoint) && l.Contains(new Uri(endpoint).Host));
    }
}
