using System.Text.Json.Nodes;
using HomeOps.Compile.Repository;
using HomeOps.Model;

namespace HomeOps.Tests.GitOps;

/// <summary>YAML read as Go's yaml.v3 and kustomize's kyaml read it: merge keys, octal integers, alias errors with positions.</summary>
public sealed class YamlReadingTests
{
    private static JsonObject Single(string text)
    {
        var file = ParsedFile.Parse("test.yaml", text);
        Assert.Empty(file.Problems);
        var document = Assert.Single(file.Documents);
        Assert.Null(document.Problem);
        return Assert.IsType<JsonObject>(document.Body);
    }

    private static Finding Problem(string text)
    {
        var file = ParsedFile.Parse("test.yaml", text);
        return file.Problems.Concat(file.Documents.Select(d => d.Problem).OfType<Finding>()).Single();
    }

    [Fact]
    public void Merge_keys_expand_and_written_keys_win()
    {
        var body = Single("""
            base: &base {a: 1, b: 2}
            other: &other {b: 20, c: 30}
            one:
              <<: *base
              a: 10
            tagged:
              !!merge <<: *base
            many:
              <<: [*base, *other]
            """);
        Assert.Equal("""{"a":10,"b":2}""", body["one"]!.ToJsonString());
        Assert.Equal("""{"a":1,"b":2}""", body["tagged"]!.ToJsonString());
        // in a list of merged mappings the earlier one wins
        Assert.Equal("""{"a":1,"b":2,"c":30}""", body["many"]!.ToJsonString());
    }

    [Fact]
    public void A_quoted_merge_key_is_an_ordinary_key()
    {
        var body = Single("x: &x {a: 1}\ny:\n  \"<<\": *x\n");
        Assert.True(body["y"]!.AsObject().ContainsKey("<<"));
    }

    [Fact]
    public void Merged_keys_keep_the_position_where_the_anchor_wrote_them()
    {
        var file = ParsedFile.Parse("test.yaml", "defaults: &d\n  replicas: 2\nspec:\n  <<: *d\n");
        var manifest = file.Documents[0].Manifest!;
        Assert.Equal(2, manifest.At("/spec/replicas").Line);
    }

    [Theory]
    [InlineData("mode: 0644", 420)]
    [InlineData("mode: 0o644", 420)]
    [InlineData("mode: 0x1F", 31)]
    [InlineData("mode: 1_000", 1000)]
    [InlineData("mode: 644", 644)]
    public void Integers_resolve_as_yaml_v3_does(string text, long expected) => Assert.Equal(expected, Single(text)["mode"]!.GetValue<long>());

    [Fact]
    public void An_alias_to_no_anchor_is_reported_at_the_alias()
    {
        var problem = Problem("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  a: *missing\n");
        Assert.Equal("yaml/syntax", problem.Rule);
        Assert.Equal((6, 6), (problem.Location.Line, problem.Location.Column));
        Assert.Contains("*missing", problem.Message);
    }

    [Fact]
    public void A_merge_key_that_refers_to_its_own_mapping_is_reported_not_expanded_forever()
    {
        var problem = Problem("spec: &spec\n  a: 1\n  <<: *spec\n");
        Assert.Equal("yaml/syntax", problem.Rule);
        Assert.Equal(1, problem.Location.Line);
        Assert.Contains("contains it", problem.Message);
    }

    [Fact]
    public void A_merge_key_without_a_mapping_is_reported()
    {
        var problem = Problem("a: &a [1, 2]\nb:\n  <<: *a\n");
        Assert.Contains("merge key", problem.Message);
        Assert.Equal(1, problem.Location.Line);
    }

    [Fact]
    public void An_alias_bomb_is_reported_with_its_position()
    {
        var text = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n" + string.Concat(Enumerable.Range(1, 9).Select(i => $"a{i}: &a{i} [{string.Join(", ", Enumerable.Repeat($"*a{i - 1}", 10))}]\n"));
        var problem = Problem(text);
        Assert.Contains("alias bomb", problem.Message);
        Assert.True(problem.Location.Line > 0);
    }
}
