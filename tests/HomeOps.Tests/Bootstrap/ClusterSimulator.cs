using System.Net;
using System.Text.Json.Nodes;
using HomeOps.Tests.Support;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace HomeOps.Tests.Bootstrap;

/// <summary>
/// Plays the cluster's controllers against the real API server, following the stand-ins' state:
/// a node registers once Talos configured it and etcd is bootstrapped, turns Ready once Cilium is
/// installed, and the root Flux Kustomization turns Ready once Flux is installed and its entry applied.
/// </summary>
public sealed class ClusterSimulator : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private readonly IKubernetes _client;
    private readonly StandIns _standIns;
    private readonly IReadOnlyDictionary<string, string> _hostnames;

    public ClusterSimulator(IKubernetes client, StandIns standIns, IReadOnlyDictionary<string, string> hostnames)
    {
        (_client, _standIns, _hostnames) = (client, standIns, hostnames);
        _loop = Task.Run(RunAsync);
    }

    /// <summary>How many nodes may register (in hostname order); fewer holds a run in wait-nodes for as long as the test wants.</summary>
    public int NodesToRegister { get; set; } = int.MaxValue;

    /// <summary>Whether registered nodes may turn Ready once Cilium is installed; false holds a run in verify.</summary>
    public bool NodesReady { get; set; } = true;

    /// <summary>Whether the root Kustomization may appear and turn Ready; false holds a run in flux's wait.</summary>
    public bool RootReady { get; set; } = true;

    private async Task RunAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            try { await StepAsync(_stop.Token); }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested) { return; }
            catch (Exception e) when (e is HttpOperationException or IOException or System.Text.Json.JsonException or HttpRequestException) { }
            try { await Task.Delay(100, _stop.Token); } catch (OperationCanceledException) { }
        }
    }

    private async Task StepAsync(CancellationToken cancel)
    {
        var talos = _standIns.StateOf("talos.json");
        var ciliumInstalled = _standIns.StateOf("helm.json")["releases"]?["kube-system/cilium"] is not null;
        if (talos["bootstrapped"]?.GetValue<bool>() == true)
            foreach (var (ip, node) in (talos["nodes"] as JsonObject ?? []).OrderBy(n => _hostnames.GetValueOrDefault(n.Key), StringComparer.Ordinal))
                if (node?["mode"]?.GetValue<string>() == "configured" && _hostnames.TryGetValue(ip, out var hostname)
                    && _hostnames.Values.Order(StringComparer.Ordinal).Take(NodesToRegister).Contains(hostname))
                    await EnsureNodeAsync(hostname, ip, ciliumInstalled && NodesReady, cancel);
        var fluxInstalled = _standIns.StateOf("flux.json")["installed"]?.GetValue<bool>() == true;
        var entryApplied = (_standIns.StateOf("kubectl.json")["applied"] as JsonArray ?? [])
            .Any(a => a?["dir"]?.GetValue<string>().TrimEnd('/').EndsWith("clusters/home-ops/flux-system", StringComparison.Ordinal) == true);
        if (fluxInstalled && entryApplied && RootReady) await EnsureRootKustomizationAsync(cancel);
    }

    private async Task EnsureNodeAsync(string name, string ip, bool ready, CancellationToken cancel)
    {
        V1Node node;
        try { node = await _client.CoreV1.ReadNodeAsync(name, cancellationToken: cancel); }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            node = await _client.CoreV1.CreateNodeAsync(new V1Node { Metadata = new V1ObjectMeta { Name = name } }, cancellationToken: cancel);
        }
        var isReady = node.Status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") ?? false;
        if (isReady == ready && node.Status?.Addresses?.Count > 0) return;
        var patch = new V1Patch(System.Text.Json.JsonSerializer.Serialize(new
        {
            status = new
            {
                addresses = new[] { new { type = "InternalIP", address = ip } },
                conditions = new[] { new { type = "Ready", status = ready ? "True" : "False", reason = ready ? "KubeletReady" : "NetworkPluginNotReady", lastHeartbeatTime = DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'") } },
            },
        }), V1Patch.PatchType.StrategicMergePatch);
        await _client.CoreV1.PatchNodeStatusAsync(patch, name, cancellationToken: cancel);
    }

    private async Task EnsureRootKustomizationAsync(CancellationToken cancel)
    {
        var crd = TestCrds.Kustomization;
        try { await _client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = "flux-system" } }, cancellationToken: cancel); }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Conflict) { }
        try
        {
            await _client.CustomObjects.CreateNamespacedCustomObjectAsync(TestCrds.Object(crd, "flux-system", "flux-system",
                new { interval = "10m", path = "./clusters/home-ops", prune = true, sourceRef = new { kind = "GitRepository", name = "flux-system" } }),
                crd.Group, crd.StorageVersion, "flux-system", crd.Plural, cancellationToken: cancel);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Conflict) { }
        await _client.CustomObjects.PatchNamespacedCustomObjectStatusAsync(TestCrds.ConditionPatch("Ready", true, "ReconciliationSucceeded", "Applied revision: main@sha1:0123"),
            crd.Group, crd.StorageVersion, "flux-system", crd.Plural, "flux-system", cancellationToken: cancel);
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        await _loop;
    }
}
