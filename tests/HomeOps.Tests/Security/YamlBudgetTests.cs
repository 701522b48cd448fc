using System.Text;
using HomeOps.Model;
using HomeOps.Model.Yaml;
using HomeOps.Tests.Support;

namespace HomeOps.Tests.Security;

/// <summary>
/// Issue 17, item 6: alias expansion is budgeted per file and per run, counted on the parsed tree before anything is
/// expanded. Before, the budget was a million nodes per document: a 60 KB file of 60 bombs, each just under it, took
/// 100 s and 4.4 GB, and every such file cost that again. The bounds here are work (nodes), not time.
/// </summary>
public sealed class YamlBudgetTests : IDisposable
{
    private readonly TempDir _temp = new();

    public void Dispose() => _temp.Dispose();

    /// <summary>One document whose aliases expand to <paramref name="width"/>^<paramref name="levels"/> nodes.</summary>
    private static string Bomb(int levels, int width, string name)
    {
        var b = new StringBuilder($"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\ndata:\n  a0: &a0 x\n");
        for (var level = 1; level <= levels; level++)
            b.Append($"  a{level}: &a{level} [{string.Join(", ", Enumerable.Repeat($"*a{level - 1}", width))}]\n");
        return b.ToString();
    }

    [Fact]
    public void A_file_of_many_small_bombs_is_refused_whole()
    {
        // 60 documents of 15^5 = 759 375 nodes: each under the old per-document limit of a million
        var file = string.Join("---\n", Enumerable.Range(0, 60).Select(i => Bomb(5, 15, $"b{i}")));
        Assert.InRange(file.Length, 1, 64 * 1024);
        var findings = new FindingBag();
        Assert.Empty(YamlDocuments.Parse(file, "apps/bombs.yaml", findings));
        var finding = Assert.Single(findings.Sorted());
        Assert.Equal("yaml/syntax", finding.Rule);
        Assert.Contains("aliases of this file", finding.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Files_each_within_the_file_budget_are_bounded_by_the_run_budget()
    {
        // each file's aliases add 29 116 nodes (see below): under the per-file budget; 50 of them add 1.46 million, over the run's
        const int Files = 50;
        for (var i = 0; i < Files; i++) _temp.Write($"apps/b{i:00}/bomb.yaml", Bomb(7, 4, $"b{i}"));
        _temp.Write("apps/good/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: good}\n");
        var report = Validation.Run(_temp.Path, git: new Validation.NoGit());
        var refused = report.Findings.Where(f => f.Rule == "yaml/syntax" && f.Message.Contains("together", StringComparison.Ordinal)).Select(f => f.Location.File).Distinct().ToList();
        var read = Files - refused.Count;
        Assert.InRange(read, 1, (int)(YamlBudget.PerRun / 29_116));
        Assert.DoesNotContain(report.Findings, f => f.Rule == "internal/rule-failed");
    }

    [Fact]
    public void Anchors_as_real_configuration_uses_them_are_within_budget()
    {
        const string Text = """
            defaults: &defaults
              resources: {requests: {cpu: 10m, memory: 64Mi}, limits: {memory: 128Mi}}
              securityContext: {runAsNonRoot: true, readOnlyRootFilesystem: true}
            controllers:
              a: *defaults
              b: *defaults
              c:
                <<: *defaults
                replicas: 2
            """;
        var findings = new FindingBag();
        Assert.Single(YamlDocuments.Parse(Text, "values.yaml", findings));
        Assert.Empty(findings.Sorted());
    }

    /// <summary>The run's budget is one for every thread of the run, and another run starts with its own.</summary>
    [Fact]
    public void The_run_budget_is_shared_by_the_threads_of_a_run_only()
    {
        // a_k expands to (4^(k+1) - 1) / 3 nodes, a0..a7 to 29 124 together; with data, metadata, name, kind, apiVersion
        // and the root the document is 29 130 nodes, of which 14 are written: the aliases add 29 116
        var bomb = Bomb(7, 4, "b");
        var perRun = (int)(YamlBudget.PerRun / 29_116);
        using (YamlBudget.Enter(new YamlBudget()))
        {
            var refused = 0;
            Parallel.For(0, perRun + 5, _ =>
            {
                var findings = new FindingBag();
                if (YamlDocuments.Parse(bomb, "b.yaml", findings).Count == 0) Interlocked.Increment(ref refused);
            });
            Assert.Equal(5, refused);
        }
        var outside = new FindingBag();
        Assert.Single(YamlDocuments.Parse(bomb, "b.yaml", outside));
    }
}
