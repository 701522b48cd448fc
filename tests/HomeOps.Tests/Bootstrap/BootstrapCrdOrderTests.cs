using System.Net;
using System.Text.Json.Nodes;
using HomeOps.Model.Repository;
using HomeOps.Tests.Support;
using k8s;
using k8s.Autorest;

namespace HomeOps.Tests.Bootstrap;

/// <summary>
/// Issue #16 item 1: Cilium's values enable ServiceMonitors, and Helm maps every rendered object to a served kind before
/// it creates anything, so on a cluster without the monitoring.coreos.com CRDs the Cilium install fails and the cluster
/// never gets a network. The whole bootstrap through the real CLI: stand-in tools, a real API server without the
/// ServiceMonitor CRD, and a Helm stand-in that asks that API server's discovery as real Helm does.
/// </summary>
[Collection("apiserver")]
[Trait(Category.Name, Category.EndToEnd)]
public sealed class BootstrapCrdOrderTests(ApiServerFixture api)
{
    private const string ServiceMonitorCrd = "servicemonitors.monitoring.coreos.com";

    private static readonly Dictionary<string, string> Hostnames = new()
    {
        ["172.29.51.11"] = "mini01",
        ["172.29.51.12"] = "mini02",
        ["172.29.51.13"] = "mini03",
    };

    /// <summary>
    /// What the two charts render, as the knob the Helm stand-in reads: Cilium 1.17.6's ServiceMonitor templates and the
    /// values that switch them on (cilium-1.17.6.tgz templates/cilium-agent/servicemonitor.yaml:1,
    /// cilium-operator/servicemonitor.yaml:1, hubble/servicemonitor.yaml:1, hubble-relay/servicemonitor.yaml:1), and the
    /// CRDs of prometheus-operator-crds 23.0.0 (charts/crds/templates/crd-*.yaml; the three this test needs).
    /// </summary>
    private static JsonObject Charts() => JsonNode.Parse("""
        {
          "cilium": {"objects": [
            {"apiVersion": "monitoring.coreos.com/v1", "kind": "ServiceMonitor", "name": "cilium-agent", "namespace": "kube-system",
             "when": ["prometheus.enabled", "prometheus.serviceMonitor.enabled"]},
            {"apiVersion": "monitoring.coreos.com/v1", "kind": "ServiceMonitor", "name": "cilium-operator", "namespace": "kube-system",
             "when": ["operator.prometheus.enabled", "operator.prometheus.serviceMonitor.enabled"]},
            {"apiVersion": "monitoring.coreos.com/v1", "kind": "ServiceMonitor", "name": "hubble", "namespace": "kube-system",
             "when": ["hubble.enabled", "hubble.metrics.enabled", "hubble.metrics.serviceMonitor.enabled"]},
            {"apiVersion": "monitoring.coreos.com/v1", "kind": "ServiceMonitor", "name": "hubble-relay", "namespace": "kube-system",
             "when": ["hubble.relay.enabled", "hubble.relay.prometheus.enabled", "hubble.relay.prometheus.serviceMonitor.enabled"]},
            {"apiVersion": "apps/v1", "kind": "DaemonSet", "name": "cilium", "namespace": "kube-system"}
          ]},
          "prometheus-operator-crds": {"crds": [
            {"group": "monitoring.coreos.com", "kind": "ServiceMonitor", "plural": "servicemonitors", "versions": ["v1"]},
            {"group": "monitoring.coreos.com", "kind": "PodMonitor", "plural": "podmonitors", "versions": ["v1"]},
            {"group": "monitoring.coreos.com", "kind": "PrometheusRule", "plural": "prometheusrules", "versions": ["v1"]}
          ]}
        }
        """)!.AsObject();

    private string Knobs() => new JsonObject
    {
        ["talos"] = new JsonObject { ["kubeconfig"] = api.KubeconfigPath },
        ["helm"] = new JsonObject { ["charts"] = Charts() },
        ["cilium"] = new JsonObject
        {
            ["bgpPeers"] = new JsonObject(Hostnames.Values.Select(h => KeyValuePair.Create<string, JsonNode?>(h, JsonNode.Parse(
                """[{"peerAddress": "172.29.51.1", "peerAsn": 64513, "localAsn": 64512, "state": "established", "advertised": 3}]""")))),
        },
        ["op"] = new JsonObject
        {
            ["items"] = new JsonObject
            {
                ["homelab"] = new JsonObject
                {
                    ["1Password Connect Credentials - home-ops"] = new JsonObject { ["credentials"] = BootstrapHarness.ValidCredentials },
                    ["1Password Connect Token - home-ops"] = new JsonObject { ["token"] = "eyJhbGciOiJFUzI1NiJ9.test" },
                },
            },
        },
    }.ToJsonString();

    [SkippableFact]
    public async Task Cilium_before_the_monitoring_CRDs_fails_as_helm_does_and_the_reference_order_completes()
    {
        api.Require();
        await api.InstallFluxCrdsAsync();
        await DeleteCrdAsync(ServiceMonitorCrd);

        // The order of today's main: Cilium is the phase's only install.
        using (var old = new BootstrapHarness())
        {
            var config = Path.Combine(old.Root, RepoFiles.BootstrapConfig);
            var text = File.ReadAllText(config);
            var crdsInstall = "      - helmRelease: monitoring/prometheus-operator-crds\n        adoptedBy: infrastructure/prometheus-operator-crds/helmrelease.yaml\n";
            Assert.Contains(crdsInstall, text);
            File.WriteAllText(config, text.Replace(crdsInstall, ""));

            // preflight now refuses that order (validate rule crd/not-installed-first) ...
            var (refused, refusedStandIns) = await RunAsync(old);
            using (refusedStandIns)
            {
                Assert.Equal(1, refused.ExitCode);
                Assert.Contains("bootstrap failed in phase preflight", refused.Stderr);
                Assert.Contains("crd/not-installed-first", refused.Stderr);
                Assert.DoesNotContain(refusedStandIns.Calls, c => c.Tool == "helm" && c.Command == "upgrade");
            }

            // ... and past preflight, Helm fails on the ServiceMonitors as the real one does
            var (result, standIns) = await RunAsync(old, "--from", "talos-config");
            using (standIns)
            {
                Assert.Equal(1, result.ExitCode);
                Assert.Contains("bootstrap failed in phase cilium", result.Stderr);
                Assert.Contains("unable to build kubernetes objects from release manifest: [resource mapping not found for name: \"cilium-agent\" namespace: \"kube-system\" from \"\": no matches for kind \"ServiceMonitor\" in version \"monitoring.coreos.com/v1\"", result.Stderr);
                Assert.Contains("ensure CRDs are installed first", result.Stderr);
                Assert.Null(standIns.StateOf("helm.json")["releases"]?["kube-system/cilium"]); // no CNI
            }
        }

        // The reference order: the CRDs first, in the same phase, then Cilium.
        await DeleteCrdAsync(ServiceMonitorCrd);
        using var h = new BootstrapHarness();
        var (passed, reference) = await RunAsync(h);
        using (reference)
        {
            Assert.True(passed.ExitCode == 0, passed.Output);
            var installs = reference.Calls.Where(c => c.Tool == "helm" && c.Command == "upgrade").Select(c => c.Argv[1]).ToList();
            // the order is what matters: an install retried (the API server fixture slow on a loaded machine) repeats the same call
            var order = installs.Where((release, i) => i == 0 || installs[i - 1] != release).ToList();
            Assert.True(order.SequenceEqual(["prometheus-operator-crds", "cilium", "external-secrets"]), string.Join(", ", installs) + "\n" + passed.Output);
            Assert.NotNull(reference.StateOf("helm.json")["releases"]?["kube-system/cilium"]);
            Assert.NotNull(await api.Client.ApiextensionsV1.ReadCustomResourceDefinitionAsync(ServiceMonitorCrd));
        }
    }

    private async Task<(ProcessResult Result, StandIns StandIns)> RunAsync(BootstrapHarness h, params string[] extra)
    {
        var standIns = new StandIns();
        standIns.SetKnobs(Knobs());
        await using var cluster = new ClusterSimulator(api.Client, standIns, Hostnames);
        var environment = standIns.Environment.ToDictionary();
        environment["HOMEOPS_OFFLINE"] = "1";
        var result = await Task.Run(() => Process.HomeOps(h.Root, environment, ["bootstrap", "--yes", "--schema-location", Repo.Schemas, .. extra]));
        return (result, standIns);
    }

    private async Task DeleteCrdAsync(string name)
    {
        try { await api.Client.ApiextensionsV1.DeleteCustomResourceDefinitionAsync(name); }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound) { return; }
        for (var i = 0; i < 300; i++)
        {
            try { await api.Client.ApiextensionsV1.ReadCustomResourceDefinitionAsync(name); }
            catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound) { return; }
            await Task.Delay(100);
        }
        throw new Xunit.Sdk.XunitException($"CRD {name} was not deleted within 30 s");
    }
}
