using System.Text.Json;
using HomeOps.Adapters.Cluster;
using HomeOps.Tests.Support;
using k8s;
using k8s.Models;

namespace HomeOps.Tests.Bootstrap;

/// <summary>
/// The bootstrap's view of the Kubernetes API (<see cref="KubernetesClusterApi"/>, through the kubeconfig as bootstrap
/// writes it) against a real kube-apiserver; the test plays the controllers: a kubelet reporting its Node through
/// nodes/status, Flux's kustomize-controller reporting a Kustomization through its status subresource.
/// </summary>
[Collection("apiserver")]
[Trait(Category.Name, Category.EndToEnd)]
public sealed class KubernetesClusterApiTests(ApiServerFixture api)
{
    private KubernetesClusterApi Connect() => (KubernetesClusterApi)new KubernetesClusterApiFactory().Connect(api.KubeconfigPath);

    [SkippableFact]
    public async Task Nodes_are_read_with_their_addresses_and_Ready_only_from_the_status_subresource()
    {
        api.Require();
        var name = $"node-{Guid.NewGuid():N}"[..18];
        await api.Client.CoreV1.CreateNodeAsync(new V1Node { Metadata = new V1ObjectMeta { Name = name } });
        await api.Client.CoreV1.PatchNodeStatusAsync(ReadyPatch(false), name);
        var before = Assert.Single(await Connect().NodesAsync(CancellationToken.None), n => n.Name == name);
        Assert.False(before.Ready);
        Assert.Equal(["10.0.0.11"], before.Addresses);

        await api.Client.CoreV1.PatchNodeStatusAsync(ReadyPatch(true), name);
        Assert.True(Assert.Single(await Connect().NodesAsync(CancellationToken.None), n => n.Name == name).Ready);
    }

    [SkippableFact]
    public async Task A_secret_is_created_with_its_namespace_then_replaced_and_its_keys_are_checked()
    {
        api.Require();
        var ns = $"secret-{Guid.NewGuid():N}"[..20];
        var cluster = Connect();
        Assert.False(await cluster.SecretHasKeysAsync(ns, "onepassword-connect-token", ["token"], CancellationToken.None));

        await cluster.ApplySecretAsync(ns, "onepassword-connect-token", new Dictionary<string, byte[]> { ["token"] = "first"u8.ToArray() }, CancellationToken.None);
        Assert.True(await cluster.SecretHasKeysAsync(ns, "onepassword-connect-token", ["token"], CancellationToken.None));
        Assert.False(await cluster.SecretHasKeysAsync(ns, "onepassword-connect-token", ["token", "credentials"], CancellationToken.None));

        // applied again (a resumed run): replaced, not refused
        await cluster.ApplySecretAsync(ns, "onepassword-connect-token", new Dictionary<string, byte[]> { ["token"] = "second"u8.ToArray() }, CancellationToken.None);
        var secret = await api.Client.CoreV1.ReadNamespacedSecretAsync("onepassword-connect-token", ns);
        Assert.Equal("second", System.Text.Encoding.UTF8.GetString(secret.Data["token"]));
        Assert.Equal("homeops-bootstrap", secret.Metadata.Labels["app.kubernetes.io/managed-by"]);
    }

    [SkippableFact]
    public async Task Kustomizations_read_as_none_before_Flux_and_then_with_their_Ready_condition()
    {
        api.Require();
        await api.InstallFluxCrdsAsync();
        var ns = await api.CreateNamespaceAsync("flux");
        var k = TestCrds.Kustomization;
        await api.Client.CustomObjects.CreateNamespacedCustomObjectAsync(
            TestCrds.Object(k, "infrastructure", ns, new { interval = "10m", path = "./infrastructure", prune = true, sourceRef = new { kind = "GitRepository", name = "flux-system" } }),
            k.Group, k.StorageVersion, ns, k.Plural);
        var pending = Assert.Single(await Connect().KustomizationsAsync(CancellationToken.None), s => s.Namespace == ns);
        Assert.False(pending.Ready);
        Assert.Equal("no Ready condition yet", pending.Message);

        await api.Client.CustomObjects.PatchNamespacedCustomObjectStatusAsync(
            TestCrds.ConditionPatch("Ready", true, "ReconciliationSucceeded", "Applied revision: main@sha1:0123abcd"),
            k.Group, k.StorageVersion, ns, k.Plural, "infrastructure");
        var ready = Assert.Single(await Connect().KustomizationsAsync(CancellationToken.None), s => s.Namespace == ns);
        Assert.True(ready.Ready);
        Assert.Equal("Applied revision: main@sha1:0123abcd", ready.Message);
    }

    /// <summary>A strategic-merge patch of nodes/status, as a kubelet sends it: the Ready condition and the node's address.</summary>
    private static V1Patch ReadyPatch(bool ready)
    {
        var now = DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);
        return new V1Patch(JsonSerializer.Serialize(new
        {
            status = new
            {
                conditions = new[]
                {
                    new { type = "Ready", status = ready ? "True" : "False", reason = ready ? "KubeletReady" : "KubeletNotReady", message = "", lastHeartbeatTime = now, lastTransitionTime = now },
                },
                addresses = new[] { new { type = "InternalIP", address = "10.0.0.11" } },
            },
        }), V1Patch.PatchType.StrategicMergePatch);
    }
}
