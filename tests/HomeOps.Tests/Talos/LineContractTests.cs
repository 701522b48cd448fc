using System.Text.Json.Nodes;
using HomeOps.Compile.Secrets;
using HomeOps.Compile.Talhelper;
using HomeOps.Compile.Talos;
using HomeOps.Compile.Talos.Lines;
using HomeOps.Model;
using HomeOps.Model.Yaml;
using HomeOps.Tests.Support;

namespace HomeOps.Tests.Talos;

/// <summary>
/// Each line's data file against Talos itself: the template must be what that line's `talosctl gen config` writes.
/// Talos' stability test (pkg/machinery/config/types/v1alpha1/v1alpha1_stability_test.go) generates cluster "base",
/// endpoint https://base:6443, Kubernetes 1.28.0 with the secrets in testdata/stability/secrets.yaml for every version
/// contract and compares byte for byte with testdata/stability/&lt;contract&gt;/base-{controlplane,worker}.yaml. homeops renders
/// the same input through its whole pipeline (a node with ignoreHostname, as gen config names no host) and must produce
/// the same bytes, but for two documented differences: no `persist: true` (Talos ignores it and every schema hides it)
/// and the install image talhelper always sets.
/// </summary>
public sealed class LineContractTests
{
    public static TheoryData<string, string> LinesAndRoles()
    {
        var data = new TheoryData<string, string>();
        foreach (var line in TalosLines.All)
            foreach (var role in new[] { "controlplane", "worker" }) data.Add(line.Name, role);
        return data;
    }

    [MirrorTheory(Mirrors.Talos)]
    [MemberData(nameof(LinesAndRoles))]
    public void Each_line_renders_exactly_what_its_own_talosctl_gen_config_writes(string lineName, string role)
    {
        var line = TalosLines.All.Single(l => l.Name == lineName);
        var stability = "pkg/machinery/config/types/v1alpha1/testdata/stability";
        var golden = Mirrors.Show(Mirrors.Talos, line.SourceTag.ToString(), $"{stability}/{line.Name}/base-{role}.yaml");
        var secrets = SecretsBundle.FromJson(YamlJson.ToJson(YamlDocuments.Parse(
            Mirrors.Show(Mirrors.Talos, line.SourceTag.ToString(), $"{stability}/secrets.yaml"), "secrets.yaml", new FindingBag())[0].RootNode)!);

        var rendered = Render(line, role == "controlplane", secrets);

        Assert.Equal(golden.Replace("persist: true\n", "", StringComparison.Ordinal), rendered);
    }

    /// <summary>The "base" input through the pipeline: talconfig loaded, node resolved, plan built directly (1.28.0 is older than most lines allow).</summary>
    internal static string Render(TalosLine line, bool controlPlane, SecretsBundle secrets)
    {
        var talconfig = $"""
            clusterName: base
            talosVersion: {line.SourceTag}
            kubernetesVersion: 1.28.0
            endpoint: https://base:6443
            nodes:
              - hostname: base
                ipAddress: 10.5.0.2
                controlPlane: {(controlPlane ? "true" : "false")}
                ignoreHostname: true
            """;
        var findings = new FindingBag();
        var tree = new InMemoryTree(new() { ["talconfig.yaml"] = talconfig });
        var config = TalConfigLoader.Load(tree, "talconfig.yaml", new Dictionary<string, string>(), findings)!;
        var plan = new TalosPlan(config, NodeResolver.Resolve(config), line.SourceTag, new ReleaseVersion(1, 28, 0), line, "", new Dictionary<string, string>(), []);
        var render = TalosCompiler.Render(plan, tree, secrets, DateTimeOffset.UnixEpoch, findings);
        // the only error: Talos 1.11+ refuses Kubernetes 1.28 at runtime (its own stability test does not validate)
        Assert.DoesNotContain(findings.Sorted(), f => f.Severity == Severity.Error && !f.Message.Contains("is Kubernetes v1.28.0", StringComparison.Ordinal));
        var documents = render.Nodes.Single().Documents.Select(d => (JsonObject)d.DeepClone()).ToList();
        ((JsonObject)documents[0]["machine"]!["install"]!).Remove("image");
        return GoYaml.Marshal(documents);
    }

    [Theory]
    [MemberData(nameof(LinesAndRoles))]
    public void Each_line_still_renders_the_committed_base_output(string lineName, string role)
    {
        var line = TalosLines.All.Single(l => l.Name == lineName);
        var bundle = SecretsBundle.Throwaway(DateTimeOffset.UnixEpoch);
        Golden.Match($"base/{lineName}/{role}.yaml", TalosRendering.Redact(Render(line, role == "controlplane", bundle), bundle));
    }
}
