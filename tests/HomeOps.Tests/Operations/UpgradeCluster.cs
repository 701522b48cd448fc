using System.Net;
using System.Text.Json;
using HomeOps.Tests.Support;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace HomeOps.Tests.Operations;

/// <summary>
/// The Kubernetes side of <see cref="OperationsHarness"/>'s cluster during an upgrade, in the shared API server fixture:
/// a Node per talconfig node (mini01..03, Ready, kubelet v1.31.1) and Longhorn volumes in a namespace of its own, on a
/// cluster <see cref="Support.LiveCluster"/> first cleared of what earlier tests left. The test plays the kubelets (also
/// in the background, following the stand-in's upgrades) and Longhorn's manager by writing status through the status
/// subresources. Disposing deletes the Nodes and volumes it made.
/// </summary>
public sealed class UpgradeCluster : IAsyncDisposable
{
    public const string StartKubelet = "v1.31.1";

    private readonly ApiServerFixture _api;
    private readonly List<string> _volumes = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _background = [];

    private readonly Support.LiveCluster _live;

    private UpgradeCluster(ApiServerFixture api, Support.LiveCluster live) => (_api, _live) = (api, live);

    public string Namespace => _live.Namespace;

    public string Kubeconfig => _api.KubeconfigPath;

    private IKubernetes Client => _api.Client;

    public static async Task<UpgradeCluster> StartAsync(ApiServerFixture api)
    {
        var live = await Support.LiveCluster.StartAsync(api);
        foreach (var (ip, host) in OperationsHarness.Nodes) await live.NodeAsync(host, ip, null, ready: true, kubeletVersion: StartKubelet);
        return new UpgradeCluster(api, live);
    }

    public Task SetReadyAsync(string node, bool ready, string message) =>
        PatchNodeStatusAsync(node, new { conditions = new[] { ReadyCondition(ready, message) } });

    public Task SetKubeletAsync(string node, string version) => PatchNodeStatusAsync(node, new { nodeInfo = NodeInfo(version) });

    public async Task<string> KubeletAsync(string node) => (await Client.CoreV1.ReadNodeAsync(node)).Status.NodeInfo.KubeletVersion;

    /// <summary>A Longhorn volume of 3 replicas attached to <paramref name="node"/> with the given robustness; returns its (unique) name.</summary>
    public async Task<string> AddVolumeAsync(string robustness, string node = "mini01")
    {
        var name = $"pvc-{Guid.NewGuid():N}"[..16];
        await _live.VolumeAsync(name, "attached", robustness, node, replicas: 3);
        _volumes.Add(name);
        return name;
    }

    public Task SetVolumeAsync(string name, string robustness, string node = "mini01") => _live.SetVolumeAsync(name, "attached", robustness, node);

    /// <summary>Plays every kubelet: whatever kubelet version the stand-in talosctl set for a node (talos.json), its Node reports.</summary>
    public void ReportKubeletsFrom(StandIns standIns) => Background(async cancel =>
    {
        var reported = new Dictionary<string, string>();
        while (!cancel.IsCancellationRequested)
        {
            foreach (var (ip, host) in OperationsHarness.Nodes)
                if (standIns.StateOf("talos.json")["nodes"]?[ip]?["kubelet"]?.GetValue<string>() is { } version && reported.GetValueOrDefault(host) != version)
                {
                    await SetKubeletAsync(host, version);
                    reported[host] = version;
                }
            await Task.Delay(100, cancel);
        }
    });

    /// <summary>Runs <paramref name="action"/> once the stand-in has logged a <paramref name="command"/> call for <paramref name="node"/> (the call itself may still run).</summary>
    public void WhenCalled(StandIns standIns, string command, string node, Func<Task> action) => Background(async cancel =>
    {
        while (!standIns.Calls.Any(c => c.Command == command && c.Node == node)) await Task.Delay(50, cancel);
        await action();
    });

    private void Background(Func<CancellationToken, Task> loop) => _background.Add(Task.Run(async () =>
    {
        try { await loop(_stop.Token); }
        catch (OperationCanceledException) { }
    }));

    private static object ReadyCondition(bool ready, string message)
    {
        var now = DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'");
        return new { type = "Ready", status = ready ? "True" : "False", reason = ready ? "KubeletReady" : "KubeletNotReady", message, lastHeartbeatTime = now, lastTransitionTime = now };
    }

    private static object NodeInfo(string kubelet) => new { kubeletVersion = kubelet, kubeProxyVersion = kubelet, osImage = "Talos (v1.10.5)" };

    private Task PatchNodeStatusAsync(string node, object status) =>
        Client.CoreV1.PatchNodeStatusAsync(new V1Patch(JsonSerializer.Serialize(new { status }), V1Patch.PatchType.StrategicMergePatch), node);

    private async Task DeleteNodeAsync(string name)
    {
        try { await Client.CoreV1.DeleteNodeAsync(name); }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound) { }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_background);
        foreach (var (_, host) in OperationsHarness.Nodes) await DeleteNodeAsync(host);
        var crd = TestCrds.LonghornVolume;
        foreach (var volume in _volumes)
            await Client.CustomObjects.DeleteNamespacedCustomObjectAsync(crd.Group, crd.StorageVersion, Namespace, crd.Plural, volume);
        _stop.Dispose();
    }
}
