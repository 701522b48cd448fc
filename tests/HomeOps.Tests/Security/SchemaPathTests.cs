using HomeOps.Adapters.Schemas;
using HomeOps.Tests.Support;

namespace HomeOps.Tests.Security;

/// <summary>
/// Issue 17, item 2: an apiVersion or kind from the repository becomes a schema path or URL only when it is a name
/// Kubernetes accepts; a schema location is never left, by ".." or by a symlink. The canary is a FIFO outside the
/// schema directory: opening it at all is a failure.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class SchemaPathTests
{
    [Fact]
    public void An_apiVersion_that_climbs_out_of_the_schema_directory_opens_nothing_there()
    {
        using var temp = new TempDir();
        var schemas = Path.Combine(temp.Path, "schemas");
        Repo.CopyDirectory(Path.Combine(Repo.Schemas, "crds", "cilium.io"), Path.Combine(schemas, "crds", "cilium.io"));
        using var canary = new Canary(Path.Combine(temp.Path, "outside", "creds.json"));
        var repo = Path.Combine(temp.Path, "repo");
        Directory.CreateDirectory(Path.Combine(repo, "apps"));
        File.WriteAllText(Path.Combine(repo, "apps", "evil.yaml"), """
            apiVersion: g/v/../../../../outside/creds
            kind: x
            metadata:
              name: evil
            spec:
              anything: true
            """);
        File.WriteAllText(Path.Combine(repo, "apps", "evil-kind.yaml"), """
            apiVersion: cilium.io/v2
            kind: ../../../outside/creds
            metadata:
              name: evil-kind
            """);
        var validator = new HomeOps.Validate.Engine.Validator(HomeOps.Validate.Engine.RuleCatalog.All());
        var model = new HomeOps.Adapters.Files.DiskRepository(new Validation.NoGit()).Load(repo, new Dictionary<string, string>());
        var report = validator.Run(model, validator.Select([], []), new SchemaStore([schemas], Path.Combine(temp.Path, "cache")), TimeSpan.Zero);

        Assert.Equal(0, canary.Reads);
        Assert.DoesNotContain(report.Findings, f => f.Message.Contains(Canary.Marker, StringComparison.Ordinal));
        Assert.Contains(report.Findings, f => f.Rule == "schema/crd" && f.Location.File == "apps/evil.yaml" && f.Message.Contains("is not a DNS label", StringComparison.Ordinal));
        Assert.Contains(report.Findings, f => f.Rule == "schema/crd" && f.Location.File == "apps/evil-kind.yaml" && f.Message.Contains("not a valid kind name", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("crds/g/x_v/../../../../outside/creds.json")]
    [InlineData("crds/../../outside/creds.json")]
    [InlineData("/outside/creds.json")]
    [InlineData("crds/g/..\\..\\x.json")]
    [InlineData("crds/g/x\u0000.json")]
    public void The_store_refuses_a_path_that_is_not_plain_relative_segments(string path)
    {
        using var temp = new TempDir();
        using var canary = new Canary(Path.Combine(temp.Path, "outside", "creds.json"));
        Directory.CreateDirectory(Path.Combine(temp.Path, "schemas", "crds"));
        var (text, _) = new SchemaStore([Path.Combine(temp.Path, "schemas", "crds", "g")], Path.Combine(temp.Path, "cache")).Find(path);
        Assert.Null(text);
        Assert.Equal(0, canary.Reads);
    }

    [Fact]
    public void A_symlink_inside_the_schema_directory_that_points_out_of_it_is_not_followed()
    {
        using var temp = new TempDir();
        using var canary = new Canary(Path.Combine(temp.Path, "outside", "creds.json"));
        var schemas = Path.Combine(temp.Path, "schemas");
        Directory.CreateDirectory(Path.Combine(schemas, "crds"));
        Directory.CreateSymbolicLink(Path.Combine(schemas, "crds", "example.com"), Path.Combine(temp.Path, "outside"));
        File.CreateSymbolicLink(Path.Combine(schemas, "crds", "thing_v1.json"), Path.Combine(temp.Path, "outside", "creds.json"));
        var store = new SchemaStore([schemas], Path.Combine(temp.Path, "cache"));
        Assert.Null(store.Find("crds/example.com/creds.json").Text);
        Assert.Null(store.Find("crds/thing_v1.json").Text);
        Assert.Equal(0, canary.Reads);
    }

    [Fact]
    public void Url_segments_are_escaped_and_names_Kubernetes_refuses_never_become_paths()
    {
        Assert.Null(HomeOps.Validate.Schema.SchemaPaths.Crd("g", "v/../../x", "Thing"));
        Assert.Null(HomeOps.Validate.Schema.SchemaPaths.Crd("G%2F..", "v1", "Thing"));
        Assert.Null(HomeOps.Validate.Schema.SchemaPaths.Crd("example.com", "v1", "Th/ing"));
        Assert.Equal("crds/cilium.io/ciliumloadbalancerippool_v2alpha1.json", HomeOps.Validate.Schema.SchemaPaths.Crd("cilium.io", "v2alpha1", "CiliumLoadBalancerIPPool"));
    }
}

/// <summary>The canary itself: a read is counted (so a zero in the tests above means nothing read it), a stat is not.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class CanaryTests
{
    [Fact]
    public void A_read_is_counted_and_an_existence_check_is_not()
    {
        using var temp = new TempDir();
        using var canary = new Canary(Path.Combine(temp.Path, "canary.json"));
        Assert.True(File.Exists(canary.Path));
        Assert.Equal(0, canary.Reads);
        Assert.Equal(Canary.Content, File.ReadAllText(canary.Path));
        Assert.Equal(1, canary.Reads);
    }
}
