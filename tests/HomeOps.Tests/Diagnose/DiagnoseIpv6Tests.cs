using System.Net;
using System.Text.Json;
using HomeOps.Tests.Support;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Xunit.Abstractions;

namespace HomeOps.Tests.Diagnose;

/// <summary>
/// `homeops diagnose ipv6` on the reference repository against the real API server, dual-stack like the reference
/// cluster. The test plays kubelet, the node IPAM and Cilium: it writes Node addresses, pod IPs and LoadBalancer IPs
/// through the status subresources (Nodes through <see cref="LiveCluster"/>, which first clears what earlier tests left), and
/// removes its Pods and Services afterwards (the server is shared).
/// </summary>
[Collection("apiserver")]
[Trait(Category.Name, Category.EndToEnd)]
public sealed class DiagnoseIpv6Tests(ApiServerFixture api, ITestOutputHelper output)
{
    /// <summary>talconfig.yaml's nodes: the v4 and v6 addresses of their interfaces, and the podCIDRs a /24 and a /96 of clusterPodNets.</summary>
    private static readonly (string Name, string V4, string V6, int Index)[] Minis =
    [
        ("mini01", "172.29.51.11", "fd47:25e1:2f96:51::11", 1),
        ("mini02", "172.29.51.12", "fd47:25e1:2f96:51::12", 2),
        ("mini03", "172.29.51.13", "fd47:25e1:2f96:51::13", 3),
    ];

    [SkippableFact]
    public async Task A_dual_stack_cluster_as_planned_is_healthy()
    {
        api.Require();
        await WithCluster(brokenMini02: false, async ns =>
        {
            var result = Diagnose();
            Assert.True(result.ExitCode == 0, result.Output);
            Assert.Matches(@"ok\s+node mini02\s+IPv6 InternalIP: fd47:25e1:2f96:51::12", result.Stdout);
            Assert.Matches(@"ok\s+node mini03\s+IPv6 podCIDR: fd47:25e1:2f96:51:2000:3::/96", result.Stdout);
            Assert.Matches(@"ok\s+pods\s+one IP per family in the pod ranges: all \d+ Running pod", result.Stdout);
            Assert.Matches(@"ok\s+load balancers\s+LoadBalancer IPs in the LB pools", result.Stdout);
            Assert.DoesNotContain("FAIL", result.Stdout);
            Assert.Contains("ok: ipv6: all", result.Stdout);
        });
    }

    [SkippableFact]
    public async Task A_node_that_lost_its_IPv6_address_and_its_IPv4_only_pod_are_named_with_the_evidence()
    {
        api.Require();
        await WithCluster(brokenMini02: true, async ns =>
        {
            var result = Diagnose();
            Assert.Equal(1, result.ExitCode);
            Assert.Matches(@"FAIL node mini02\s+IPv6 InternalIP: no IPv6 InternalIP\n\s+expected: fd47:25e1:2f96:51::12", result.Stdout);
            Assert.Matches($@"FAIL pod {ns}/web-mini02\s+pod IPs: 10\.244\.2\.10 on mini02\n\s+expected: one IPv4 in 10\.244\.0\.0/16 and one IPv6 in fd47:25e1:2f96:51:2000::/80", result.Stdout);
            Assert.Matches(@"ok\s+node mini01\s+IPv6 InternalIP", result.Stdout);
            Assert.DoesNotContain($"pod {ns}/web-mini01", result.Stdout);   // healthy pods are counted, not listed
            Assert.Matches(@"ipv6: 2 failed, 0 warning\(s\) of \d+ checks", result.Stdout);
        });
    }

    [SkippableFact]
    public async Task Json_output_carries_every_check_with_its_verdict_and_evidence()
    {
        api.Require();
        await WithCluster(brokenMini02: true, async _ =>
        {
            var result = Diagnose("--format", "json");
            Assert.Equal(1, result.ExitCode);
            using var json = JsonDocument.Parse(result.Stdout);
            var root = json.RootElement;
            Assert.Equal("ipv6", root.GetProperty("diagnosis").GetString());
            Assert.False(root.GetProperty("healthy").GetBoolean());
            var failed = root.GetProperty("checks").EnumerateArray().Where(c => c.GetProperty("verdict").GetString() == "fail").ToList();
            Assert.Equal(root.GetProperty("failed").GetInt32(), failed.Count);
            var node = Assert.Single(failed, c => c.GetProperty("subject").GetString() == "node mini02");
            Assert.Equal("IPv6 InternalIP", node.GetProperty("check").GetString());
            Assert.Equal("no IPv6 InternalIP", node.GetProperty("seen").GetString());
            Assert.StartsWith("fd47:25e1:2f96:51::12", node.GetProperty("expected").GetString());
        });
    }

    private ProcessResult Diagnose(params string[] extra)
    {
        var result = Process.HomeOps(Repo.Root, new Dictionary<string, string>(), ["diagnose", "ipv6", "--kubeconfig", api.KubeconfigPath, .. extra]);
        output.WriteLine(result.Output);
        return result;
    }

    /// <summary>
    /// The three minis Ready with their addresses and podCIDRs, a pod on each (plus a hostNetwork one that shares its
    /// node's addresses), a dual-stack ClusterIP Service and a LoadBalancer Service with an IP from each bgp-default
    /// family. Broken: mini02 lost its IPv6 address, so its pod only got IPv4.
    /// </summary>
    private async Task WithCluster(bool brokenMini02, Func<string, Task> test)
    {
        var client = api.Client;
        var live = await LiveCluster.StartAsync(api);
        var ns = live.Namespace;
        try
        {
            foreach (var (name, v4, v6, index) in Minis)
            {
                var broken = brokenMini02 && name == "mini02";
                await live.NodeAsync(name, v4, broken ? null : v6, ready: true, podCidr4: $"10.244.{index}.0/24", podCidr6: $"fd47:25e1:2f96:51:2000:{index}::/96");

                await client.CoreV1.CreateNamespacedPodAsync(Pod($"web-{name}", name, hostNetwork: false), ns);
                string[] podIps = broken ? [$"10.244.{index}.10"] : [$"10.244.{index}.10", $"fd47:25e1:2f96:51:2000:{index}::10"];
                await client.CoreV1.PatchNamespacedPodStatusAsync(Patch(new
                {
                    status = new { phase = "Running", podIP = podIps[0], podIPs = podIps.Select(ip => new { ip }).ToArray() },
                }), $"web-{name}", ns);
            }
            await client.CoreV1.CreateNamespacedPodAsync(Pod("node-exporter-mini01", "mini01", hostNetwork: true), ns);
            await client.CoreV1.PatchNamespacedPodStatusAsync(Patch(new
            {
                status = new { phase = "Running", podIP = "172.29.51.11", podIPs = new[] { new { ip = "172.29.51.11" } } },
            }), "node-exporter-mini01", ns);

            await client.CoreV1.CreateNamespacedServiceAsync(Service("web", "ClusterIP"), ns);
            await client.CoreV1.CreateNamespacedServiceAsync(Service("web-lb", "LoadBalancer"), ns);
            await client.CoreV1.PatchNamespacedServiceStatusAsync(Patch(new
            {
                status = new { loadBalancer = new { ingress = new[] { new { ip = "172.29.52.100" }, new { ip = "fd47:25e1:2f96:51:100::1" } } } },
            }), "web-lb", ns);

            await test(ns);
        }
        finally
        {
            // no controllers run: pods bound to a node go only with a zero grace period, and a deleted namespace never empties
            foreach (var pod in (await client.CoreV1.ListNamespacedPodAsync(ns)).Items)
                await client.CoreV1.DeleteNamespacedPodAsync(pod.Metadata.Name, ns, gracePeriodSeconds: 0);
            foreach (var service in new[] { "web", "web-lb" })
            {
                // a 1.20 server answers a Service delete with a Status, which the client then fails to read as a Service
                try { await Ignore404(() => client.CoreV1.DeleteNamespacedServiceAsync(service, ns)); }
                catch (JsonException) { }
            }
        }
    }

    private static async Task Ignore404(Func<Task> delete)
    {
        try { await delete(); }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound) { }
    }

    private static V1Pod Pod(string name, string node, bool hostNetwork) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, Labels = new Dictionary<string, string> { ["app"] = "web" } },
        Spec = new V1PodSpec
        {
            NodeName = node,
            HostNetwork = hostNetwork,
            Containers = [new V1Container { Name = "web", Image = "registry.k8s.io/pause:3.9" }],
        },
    };

    private static V1Service Service(string name, string type) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new V1ServiceSpec
        {
            Type = type,
            IpFamilyPolicy = "RequireDualStack",
            IpFamilies = ["IPv4", "IPv6"],
            Selector = new Dictionary<string, string> { ["app"] = "web" },
            Ports = [new V1ServicePort { Port = 80, TargetPort = 8080 }],
        },
    };

    private static V1Patch Patch(object body) => new(JsonSerializer.Serialize(body), V1Patch.PatchType.MergePatch);
}
