using HomeOps.Compile.Repository;
using HomeOps.Model;
using HomeOps.Tests.Support;
using HomeOps.Validate.Rules.Flux;

namespace HomeOps.Tests.Validate;

/// <summary>The Flux rules' semantics beyond the broken/fixed fixtures: namespaces, walks, cycles, paths.</summary>
public sealed class FluxRuleTests : IDisposable
{
    private readonly TempDir _temp = new();

    public void Dispose() => _temp.Dispose();

    private static string Kustomization(string name, string path, params string[] dependsOn) => $"""
        apiVersion: kustomize.toolkit.fluxcd.io/v1
        kind: Kustomization
        metadata:
          name: {name}
          namespace: flux-system
        spec:
          interval: 10m
          path: {path}
          sourceRef:
            kind: GitRepository
            name: flux-system
          dependsOn: [{string.Join(", ", dependsOn.Select(d => $"{{name: {d}}}"))}]
        ---

        """;

    private const string Source = """
        apiVersion: source.toolkit.fluxcd.io/v1
        kind: GitRepository
        metadata:
          name: flux-system
          namespace: flux-system
        spec:
          url: https://github.com/example/home-ops
        """;

    private static string Deployment(string? ns) => $$"""
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: app{{(ns is null ? "" : $"\n  namespace: {ns}")}}
        spec:
          template:
            spec:
              containers:
                - name: app
                  envFrom:
                    - secretRef:
                        name: app-secrets
        """;

    private static string ExternalSecret(string ns) => $"""
        apiVersion: external-secrets.io/v1
        kind: ExternalSecret
        metadata:
          name: app
          namespace: {ns}
        spec:
          target:
            name: app-secrets
        """;

    private static string Overlay(string? ns, params string[] resources) =>
        $"apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n{(ns is null ? "" : $"namespace: {ns}\n")}resources: [{string.Join(", ", resources)}]\n";

    private IReadOnlyList<Finding> Run(string rule) => RuleFixtures.Run(_temp.Path).Where(d => d.Rule == rule).ToList();

    [Fact]
    public void The_outermost_kustomization_namespace_decides_where_a_Secret_is_looked_for()
    {
        _temp.Write("clusters/flux.yaml", Kustomization("apps", "./apps") + Source);
        _temp.Write("apps/kustomization.yaml", Overlay("outer", "app"));
        _temp.Write("apps/app/kustomization.yaml", Overlay("inner", "deployment.yaml", "externalsecret.yaml"));
        _temp.Write("apps/app/deployment.yaml", Deployment(null));
        _temp.Write("apps/app/externalsecret.yaml", ExternalSecret("elsewhere"));
        Assert.Empty(Run(SecretRefRules.Missing));

        _temp.Write("apps/kustomization.yaml", Overlay(null, "app"));
        Assert.Empty(Run(SecretRefRules.Missing));
    }

    [Fact]
    public void A_Secret_in_another_namespace_does_not_count_and_the_hint_names_it()
    {
        _temp.Write("clusters/flux.yaml", Kustomization("apps", "./apps") + Source);
        _temp.Write("apps/deployment.yaml", Deployment("app"));
        _temp.Write("apps/externalsecret.yaml", ExternalSecret("other"));
        var found = Assert.Single(Run(SecretRefRules.Missing));
        Assert.Contains("app/app-secrets", found.Message);
        Assert.Contains("namespace other", found.Hint);
        Assert.Equal(("apps/deployment.yaml", 13), (found.Location.File, found.Location.Line));
    }

    [Fact]
    public void Bootstrap_created_Secrets_count()
    {
        _temp.Write("clusters/flux.yaml", Kustomization("apps", "./apps") + Source);
        _temp.Write("apps/deployment.yaml", Deployment("app"));
        Assert.Single(Run(SecretRefRules.Missing));
        _temp.Write("bootstrap-config.yaml", "phases:\n  - name: secrets\n    creates:\n      - secret: app/app-secrets\n");
        Assert.Empty(Run(SecretRefRules.Missing));
    }

    [Fact]
    public void A_directory_without_kustomization_yaml_contributes_all_its_YAML_and_subdirectories()
    {
        _temp.Write("clusters/flux.yaml", Kustomization("apps", "./apps") + Source);
        _temp.Write("apps/a/deployment.yaml", Deployment("app"));
        _temp.Write("apps/b/kustomization.yaml", Overlay(null, "externalsecret.yaml"));
        _temp.Write("apps/b/externalsecret.yaml", ExternalSecret("app"));
        _temp.Write("apps/b/unlisted.yaml", ExternalSecret("app").Replace("name: app\n", "name: unlisted\n"));
        // clusters/flux.yaml itself is an orphan here: no root Kustomization reaches it.
        var orphan = Assert.Single(Run(KustomizeRules.Orphan), d => d.Location.File.StartsWith("apps/", StringComparison.Ordinal));
        Assert.Equal("apps/b/unlisted.yaml", orphan.Location.File);
    }

    [Fact]
    public void Each_cycle_is_reported_once_including_a_self_dependency()
    {
        _temp.Write("clusters/flux.yaml", Kustomization("a", "./clusters", "b") + Kustomization("b", "./clusters", "c") + Kustomization("c", "./clusters", "a")
                                          + Kustomization("d", "./clusters", "d", "a") + Source);
        var cycles = Run(FluxDependencyRules.Cycle).Select(d => d.Message).Order().ToList();
        Assert.Equal(2, cycles.Count);
        Assert.Contains("a -> b -> c -> a", cycles[0]);
        Assert.Contains("d -> d", cycles[1]);
    }

    [Fact]
    public void Paths_that_climb_out_of_the_repository_are_flagged()
    {
        _temp.Write("clusters/flux.yaml", Kustomization("apps", "./apps/../../outside") + Source);
        Assert.Contains("climbs out", Assert.Single(Run(FluxSourceRules.PathMissing)).Message);
        _temp.Write("clusters/kustomization.yaml", Overlay(null, "flux.yaml", "../../base"));
        Assert.Contains("climbs out", Assert.Single(Run(KustomizeRules.ResourceMissing)).Message);
    }

    [Fact]
    public void Remote_resources_and_keyed_generator_files_are_understood()
    {
        _temp.Write("clusters/flux.yaml", Kustomization("apps", "./apps") + Source);
        _temp.Write("apps/values.yaml", "replicas: 1\n");
        _temp.Write("apps/kustomization.yaml", """
            apiVersion: kustomize.config.k8s.io/v1beta1
            kind: Kustomization
            resources:
              - https://github.com/example/app/releases/download/v1.0.0/install.yaml
              - github.com/example/app//deploy?ref=v1.0.0
            configMapGenerator:
              - name: values
                files: [values.yaml=values.yaml, missing.yaml]
            """);
        var found = Assert.Single(Run(KustomizeRules.ResourceMissing));
        Assert.Contains("'missing.yaml'", found.Message);
    }

    [Theory]
    [InlineData("a", "./b", "a/b")]
    [InlineData("a", "../b", "b")]
    [InlineData("a", "/b/", "b")]
    [InlineData("", "./", "")]
    [InlineData("a", "../../b", null)]
    public void Join_resolves_relative_paths(string directory, string relative, string? expected) =>
        Assert.Equal(expected, RepoPaths.Join(directory, relative));
}
