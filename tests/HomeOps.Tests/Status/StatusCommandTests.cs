using System.Text.Json.Nodes;
using HomeOps.Tests.Operations;
using HomeOps.Tests.Support;
using k8s;
using Xunit.Abstractions;

namespace HomeOps.Tests.Status;

/// <summary>
/// `homeops status` end to end on the reference repository: Talos through the talosctl stand-in (a healthy
/// 3-node cluster), Cilium through the cilium stand-in, everything else through KubernetesClient against the
/// real API server with the test playing the controllers (kubelets, Flux, Longhorn, cert-manager, Cilium BGP, LB-IPAM).
/// </summary>
[Collection("apiserver")]
[Trait(Category.Name, Category.EndToEnd)]
public sealed class StatusCommandTests(ApiServerFixture api, ITestOutputHelper output) : IDisposable
{
    private readonly OperationsHarness _cluster = new(gitops: true);
    private const string Router4 = LiveCluster.Router4, Router6 = LiveCluster.Router6;

    public void Dispose() => _cluster.Dispose();

    private Task<LiveCluster> HealthyAsync() => LiveCluster.ReferenceAsync(api, _cluster.StandIns);

    private (ProcessResult Result, JsonObject Json) Status(params string[] extra)
    {
        var result = _cluster.Run("", ["status", "--kubeconfig", api.KubeconfigPath, .. extra]);
        output.WriteLine(result.Output);
        return (result, extra.Contains("json") ? JsonNode.Parse(result.Stdout)!.AsObject() : []);
    }

    private static JsonObject Section(JsonObject report, string name) =>
        report["sections"]!.AsArray().Single(s => (string?)s!["name"] == name)!.AsObject();

    private static JsonObject Check(JsonObject report, string section, string subject) =>
        Section(report, section)["checks"]!.AsArray().SingleOrDefault(c => (string?)c!["subject"] == subject)?.AsObject()
        ?? throw new Xunit.Sdk.XunitException($"no check '{subject}' in section {section}: {Section(report, section).ToJsonString()}");

    /// <summary>Every section and every facts key in the output is in docs/status.md's facts table for its section.</summary>
    private static void AssertDocumented(JsonObject report)
    {
        var doc = File.ReadAllLines(Path.Combine(Repo.Root, "docs", "status.md"));
        foreach (var section in report["sections"]!.AsArray())
        {
            var name = (string)section!["name"]!;
            var row = doc.LastOrDefault(l => l.StartsWith($"| `{name}` |")) ?? ""; // the facts table comes after the sources table
            var documented = System.Text.RegularExpressions.Regex.Matches(row, "`([A-Za-z]+)`").Select(m => m.Groups[1].Value).ToHashSet();
            foreach (var check in section["checks"]!.AsArray())
                foreach (var key in check!["facts"]!.AsObject().Select(p => p.Key))
                    Assert.True(documented.Contains(key), $"facts key '{key}' of section {name} is not in docs/status.md");
        }
    }

    [SkippableFact]
    public async Task A_healthy_cluster_is_green_in_every_section_and_exits_0()
    {
        api.Require();
        await HealthyAsync();
        var (result, json) = Status("--format", "json");
        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Equal("homeops.status/v1", (string?)json["schema"]);
        Assert.Equal("home-ops", (string?)json["cluster"]);
        Assert.Equal("green", (string?)json["health"]);
        Assert.Equal(["nodes", "etcd", "flux", "cilium", "bgp", "lbPools", "longhorn", "certificates"],
            json["sections"]!.AsArray().Select(s => (string)s!["name"]!));
        Assert.All(json["sections"]!.AsArray(), s => Assert.Equal("green", (string?)s!["health"]));
        Assert.Equal("3/3 Ready", (string?)Section(json, "nodes")["summary"]);
        Assert.Equal("6/6 sessions established", (string?)Section(json, "bgp")["summary"]);
        var ingress = Check(json, "lbPools", "bgp-ingress");
        Assert.Equal(2, (int)ingress["facts"]!["used"]!);
        Assert.Equal(21, (double)ingress["facts"]!["size"]!);
        // Talos was only read
        Assert.Empty(_cluster.MutatingCalls);
    }

    [SkippableFact]
    public async Task A_down_BGP_session_a_degraded_volume_and_an_expiring_certificate_are_shown_and_the_exit_is_non_zero()
    {
        api.Require();
        var live = await HealthyAsync();
        await live.VolumeAsync("pvc-loki", "attached", "degraded", "mini03");
        await live.CertificateAsync("authentik-proxy", "auth.k8s.home.geoffdavis.com", DateTimeOffset.UtcNow.AddDays(5));
        await api.Client.CustomObjects.DeleteClusterCustomObjectAsync("cilium.io", "v2alpha1", "ciliumbgpnodeconfigs", "mini02");
        await live.BgpNodeAsync("mini02", new LiveCluster.Peer("udm-pro-v4", Router4, "active", 0, 0), new LiveCluster.Peer("udm-pro-v6", Router6, "established", 0, 0));

        var (result, json) = Status("--format", "json");
        Assert.Equal(1, result.ExitCode);
        Assert.Equal("red", (string?)json["health"]);

        var session = Check(json, "bgp", $"mini02 → {Router4}");
        Assert.Equal("red", (string?)session["health"]);
        Assert.Equal("active", (string?)session["facts"]!["state"]);
        Assert.Equal("green", (string?)Check(json, "bgp", $"mini01 → {Router4}")["health"]);

        var volume = Check(json, "longhorn", "volume/pvc-loki");
        Assert.Equal("yellow", (string?)volume["health"]);
        Assert.Equal("degraded", (string?)volume["facts"]!["robustness"]);

        var certificate = Check(json, "certificates", $"{live.Namespace}/authentik-proxy");
        Assert.Equal("yellow", (string?)certificate["health"]);
        Assert.InRange((double)certificate["facts"]!["daysLeft"]!, 4, 5);
        Assert.Equal("green", (string?)Section(json, "nodes")["health"]);

        AssertDocumented(json);

        // the same on one screen
        var (text, _) = Status();
        Assert.Equal(1, text.ExitCode);
        Assert.Matches(@"FAIL BGP\s+5/6 sessions established", text.Stdout);
        Assert.Matches(@"FAIL mini02 → 172\.29\.51\.1\s+session active", text.Stdout);
        Assert.Matches(@"WARN volume/pvc-loki\s+degraded \(attached on mini03, 2 replica\(s\) wanted\)", text.Stdout);
        Assert.Matches(@"WARN .*/authentik-proxy\s+expires in [45] day\(s\)", text.Stdout);
    }

    [SkippableFact]
    public async Task A_node_NotReady_in_Kubernetes_and_down_in_Talos_is_red_with_etcd_still_in_quorum()
    {
        api.Require();
        var live = await HealthyAsync();
        await live.NodeAsync("mini03", "172.29.51.13", "fd47:25e1:2f96:51::13", ready: false, kubeletVersion: "v1.31.1");
        _cluster.Talos("unreachable", new JsonArray("172.29.51.13"));

        var (result, json) = Status("--format", "json");
        Assert.Equal(1, result.ExitCode);
        var node = Check(json, "nodes", "mini03");
        Assert.Equal("red", (string?)node["health"]);
        Assert.Contains("NotReady: container runtime network not ready", (string?)node["message"]);
        Assert.Contains("does not answer on the Talos API", (string?)node["message"]);
        var etcd = Section(json, "etcd");
        Assert.Equal("yellow", (string?)etcd["health"]);
        Assert.StartsWith("2/3 members healthy, quorum kept", (string?)etcd["summary"]);
    }

    [SkippableFact]
    public void An_unreachable_API_is_reported_red_per_section_with_Talos_still_read()
    {
        api.Require();
        var kubeconfig = _cluster.StandIns.Temp.Write("dead.kubeconfig", Kubeconfigs.ForServer("https://127.0.0.1:9"));
        var result = _cluster.Run("", "status", "--kubeconfig", kubeconfig, "--format", "json");
        output.WriteLine(result.Output);
        Assert.Equal(1, result.ExitCode);
        var json = JsonNode.Parse(result.Stdout)!.AsObject();
        var flux = Check(json, "flux", "Flux objects");
        Assert.Equal("red", (string?)flux["health"]);
        Assert.Contains("the Kubernetes API at https://127.0.0.1:9 does not answer", (string?)flux["message"]);
        Assert.StartsWith("3/3 members healthy", (string?)Section(json, "etcd")["summary"]);
        Assert.Empty(_cluster.MutatingCalls);

        var missing = _cluster.Run("", "status", "--kubeconfig", Path.Combine(_cluster.Root, "no-such-kubeconfig"));
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("no kubeconfig at", missing.Stdout);
    }
}
