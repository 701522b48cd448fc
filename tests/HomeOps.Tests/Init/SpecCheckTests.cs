using HomeOps.Compile.Init;
using HomeOps.Model;
using HomeOps.Tests.Support;
using YamlDotNet.RepresentationModel;

namespace HomeOps.Tests.Init;

/// <summary>
/// `homeops init` rejects a bad spec before it writes anything. Each must-fail fixture under
/// tests/fixtures/init/must-fail/ is an overlay on the reference spec (mappings merge, lists and
/// scalars replace, null removes) whose first line names the rule it must trip.
/// </summary>
public sealed class SpecCheckTests
{
    private static string Fixtures => Path.Combine(Repo.Root, "tests", "fixtures", "init");

    public static TheoryData<string> MustFail() =>
        [.. Directory.EnumerateFiles(Path.Combine(Fixtures, "must-fail"), "*.yaml").Select(f => Path.GetFileNameWithoutExtension(f)).Order(StringComparer.Ordinal)];

    [Theory]
    [InlineData("reference.yaml")]
    [InlineData("small-ipv4.yaml")]
    [InlineData("single-node.yaml")]
    public void The_example_specs_pass_every_check(string file)
    {
        var findings = new FindingBag();
        var spec = SpecLoader.Load(File.ReadAllText(Path.Combine(Fixtures, file)), file, findings);
        Assert.Empty(findings.Sorted());
        Assert.NotNull(spec);
    }

    [Fact]
    public void The_spec_in_the_getting_started_guide_passes_every_check()
    {
        var guide = File.ReadAllText(Path.Combine(Repo.Root, "docs", "getting-started.md"));
        var start = guide.IndexOf("```yaml\n", StringComparison.Ordinal) + "```yaml\n".Length;
        var findings = new FindingBag();
        Assert.NotNull(SpecLoader.Load(guide[start..guide.IndexOf("```", start, StringComparison.Ordinal)], "docs/getting-started.md", findings));
        Assert.Empty(findings.Sorted());
    }

    [Fact]
    public void There_are_at_least_25_must_fail_fixtures() => Assert.True(MustFail().Count >= 25, $"only {MustFail().Count} must-fail fixtures");

    [Theory]
    [MemberData(nameof(MustFail))]
    public void A_bad_spec_is_refused_naming_the_field_and_the_fix(string name)
    {
        var overlay = File.ReadAllText(Path.Combine(Fixtures, "must-fail", name + ".yaml"));
        var expected = overlay.Split('\n')[0].Replace("# expect:", "", StringComparison.Ordinal).Trim();
        var text = Overlay(File.ReadAllText(Path.Combine(Fixtures, "reference.yaml")), overlay);

        var findings = new FindingBag();
        var spec = SpecLoader.Load(text, "cluster-spec.yaml", findings);

        Assert.Null(spec);
        var errors = findings.Sorted().Where(f => f.Severity == Severity.Error).ToList();
        Assert.Contains(errors, f => f.Rule == expected);
        foreach (var error in errors)
        {
            Assert.True(error.Location.Line > 0, $"no position: {error}");
            Assert.False(string.IsNullOrWhiteSpace(error.Hint), $"no fix: {error}");
        }
    }

    [Fact]
    public void An_even_number_of_control_planes_is_a_warning_not_an_error()
    {
        var text = Overlay(File.ReadAllText(Path.Combine(Fixtures, "reference.yaml")), """
            nodes:
              - { hostname: a, address: 172.29.51.11, ipv6Address: "fd47:25e1:2f96:51::11", installDisk: { model: "APPLE*" } }
              - { hostname: b, address: 172.29.51.12, ipv6Address: "fd47:25e1:2f96:51::12", installDisk: { model: "APPLE*" } }
            """);
        var findings = new FindingBag();
        Assert.NotNull(SpecLoader.Load(text, "cluster-spec.yaml", findings));
        Assert.Equal("spec/nodes", Assert.Single(findings.Sorted(), f => f.Severity == Severity.Warning).Rule);
    }

    /// <summary>The reference spec with the overlay merged in, as YAML text (so findings have real positions).</summary>
    private static string Overlay(string baseText, string overlayText)
    {
        var baseDoc = Load(baseText);
        Merge((YamlMappingNode)baseDoc.RootNode, (YamlMappingNode)Load(overlayText).RootNode);
        using var writer = new StringWriter();
        new YamlStream(baseDoc).Save(writer, assignAnchors: false);
        return writer.ToString();
    }

    private static YamlDocument Load(string text)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(text));
        return stream.Documents[0];
    }

    private static void Merge(YamlMappingNode target, YamlMappingNode overlay)
    {
        foreach (var (key, value) in overlay.Children)
        {
            if (value is YamlScalarNode { Value: "null" or "~" or "" } && value is YamlScalarNode { Style: not YamlDotNet.Core.ScalarStyle.DoubleQuoted })
                target.Children.Remove(key);
            else if (value is YamlMappingNode child && target.Children.TryGetValue(key, out var existing) && existing is YamlMappingNode into)
                Merge(into, child);
            else
                target.Children[key] = value;
        }
    }
}
