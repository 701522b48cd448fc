using HomeOps.Model;
using HomeOps.Tests.Support;
using Xunit.Abstractions;

namespace HomeOps.Tests.Validate;

/// <summary>
/// Bad input inside a Flux tree (issue 11): an undefined alias, a recursive merge key, an alias bomb,
/// an unreadable or corrupt SOPS file, a substitution loop each get a finding with its position, the
/// run never crashes, and the rest of the tree is still checked (an unrelated finding elsewhere).
/// </summary>
public sealed class FluxBadInputTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDir _temp = new();

    public void Dispose() => _temp.Dispose();

    /// <summary>A flux bootstrap root, an app Kustomization over ./apps/demo, and an unrelated undefined variable in ./apps/other.</summary>
    private void Tree(string demoFile, string demoText, string substitute = "APP: demo")
    {
        _temp.Write("clusters/lab/flux-system/gotk-sync.yaml", """
            apiVersion: source.toolkit.fluxcd.io/v1
            kind: GitRepository
            metadata: {name: flux-system, namespace: flux-system}
            spec: {interval: 1m, url: "https://git.example.invalid/lab", ref: {branch: main}}
            ---
            apiVersion: kustomize.toolkit.fluxcd.io/v1
            kind: Kustomization
            metadata: {name: flux-system, namespace: flux-system}
            spec: {interval: 10m, path: ./clusters/lab, prune: true, sourceRef: {kind: GitRepository, name: flux-system}}
            """);
        _temp.Write("clusters/lab/kustomization.yaml", "resources: [flux-system/gotk-sync.yaml, apps.yaml]\n");
        _temp.Write("clusters/lab/apps.yaml", $$"""
            apiVersion: kustomize.toolkit.fluxcd.io/v1
            kind: Kustomization
            metadata: {name: demo, namespace: flux-system}
            spec:
              interval: 10m
              path: ./apps/demo
              prune: true
              sourceRef: {kind: GitRepository, name: flux-system}
              decryption: {provider: sops}
              postBuild:
                substitute:
                  {{substitute}}
            ---
            apiVersion: kustomize.toolkit.fluxcd.io/v1
            kind: Kustomization
            metadata: {name: other, namespace: flux-system}
            spec:
              interval: 10m
              path: ./apps/other
              prune: true
              sourceRef: {kind: GitRepository, name: flux-system}
              postBuild:
                substitute: {APP: other}
            """);
        _temp.Write("apps/other/settings.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: other}\ndata:\n  zone: ${ZONE}\n");
        _temp.Write(demoFile, demoText);
    }

    private IReadOnlyList<Finding> Run()
    {
        var found = RuleFixtures.Run(_temp.Path);
        output.WriteLine(string.Join("\n", found));
        Assert.DoesNotContain(found, f => f.Rule == "internal/rule-failed");
        // the rest of the tree was still built and substituted
        Assert.Contains(found, f => f.Rule == "flux/variable-undefined" && f.Location.File == "apps/other/settings.yaml" && f.Location.Line == 5);
        return found;
    }

    private static void AssertAt(IReadOnlyList<Finding> found, string rule, string file, int line, string text)
    {
        Assert.True(found.Any(f => f.Rule == rule && f.Location.File == file && f.Location.Line == line && f.Message.Contains(text, StringComparison.Ordinal)),
            $"expected {rule} at {file}:{line} saying '{text}'; found:\n{string.Join("\n", found)}");
    }

    [Fact]
    public void An_undefined_alias()
    {
        Tree("apps/demo/settings.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: demo}\ndata:\n  a: *nothing\n");
        AssertAt(Run(), "yaml/syntax", "apps/demo/settings.yaml", 5, "*nothing");
    }

    [Fact]
    public void A_recursive_merge_key()
    {
        Tree("apps/demo/settings.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: &meta\n  name: demo\n  <<: *meta\n");
        AssertAt(Run(), "yaml/syntax", "apps/demo/settings.yaml", 3, "contains it");
    }

    [Fact]
    public void An_alias_bomb()
    {
        var bomb = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: demo}\nx0: &x0 [a, a, a, a, a, a, a, a, a, a]\n"
                   + string.Concat(Enumerable.Range(1, 8).Select(i => $"x{i}: &x{i} [{string.Join(", ", Enumerable.Repeat($"*x{i - 1}", 10))}]\n"));
        Tree("apps/demo/bomb.yaml", bomb);
        var found = Run();
        Assert.Contains(found, f => f.Rule == "yaml/syntax" && f.Location.File == "apps/demo/bomb.yaml" && f.Location.Line > 0 && f.Message.Contains("alias bomb", StringComparison.Ordinal));
    }

    [Fact]
    public void A_corrupt_sops_file()
    {
        Tree("apps/demo/secret.sops.yaml", """
            apiVersion: v1
            kind: Secret
            metadata: {name: demo}
            stringData:
              token: ENC[AES256_GCM,data:dG9r
            sops:
              lastmodified: "2026-01-01T00:00:00Z"
              version: 3.10.2
            """);
        AssertAt(Run(), "secrets/sops-invalid", "apps/demo/secret.sops.yaml", 7, "no mac");
    }

    [Fact]
    public void A_sops_config_that_is_not_yaml()
    {
        Tree("apps/demo/settings.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: demo}\n");
        _temp.Write(".sops.yaml", "creation_rules:\n  - path_regex: [unclosed\n");
        Assert.Contains(Run(), f => f.Location.File == ".sops.yaml" && f.Location.Line > 0 && f.Rule is "secrets/sops-invalid" or "yaml/syntax");
    }

    [Fact]
    public void An_unreadable_sops_file_and_a_binary_one()
    {
        Tree("apps/demo/settings.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: demo}\n");
        // a symlink loop cannot be read by anyone (root included), unlike a file with mode 000
        File.CreateSymbolicLink(_temp.File(".sops.yaml"), ".sops.yaml");
        File.WriteAllBytes(_temp.File("apps/demo/secret.sops.yaml"), [0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03]);
        var found = Run();
        Assert.Contains(found, f => f.Rule == "repo/unreadable" && f.Location.File == ".sops.yaml");
        Assert.Contains(found, f => f.Rule == "yaml/syntax" && f.Location.File == "apps/demo/secret.sops.yaml" && f.Message.Contains("binary", StringComparison.Ordinal));
    }

    [Fact]
    public void A_substitution_loop()
    {
        Tree("apps/demo/settings.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: demo}\ndata:\n  a: ${A}\n", "A: ${B}\n      B: ${A}");
        var found = Run();
        AssertAt(found, "flux/substitution-failed", "clusters/lab/apps.yaml", 12, "loop");
        Assert.Equal(Severity.Warning, found.First(f => f.Rule == "flux/substitution-failed").Severity);
    }

    [Fact]
    public void A_kustomization_that_includes_itself()
    {
        Tree("apps/demo/kustomization.yaml", "resources: [../demo-loop]\n");
        _temp.Write("apps/demo-loop/kustomization.yaml", "resources: [../demo]\n");
        var found = Run();
        Assert.Contains(found, f => f.Rule == "flux/build-failed" && f.Message.Contains("cycle", StringComparison.Ordinal) && f.Location.Line > 0);
    }
}
