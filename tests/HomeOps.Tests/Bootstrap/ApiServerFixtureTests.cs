using System.Net;
using System.Text.Json;
using HomeOps.Tests.Support;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Xunit.Abstractions;

namespace HomeOps.Tests.Bootstrap;

/// <summary>
/// The real API server fixture through KubernetesClient, as the bootstrap engine uses it: the test plays the
/// controllers (a kubelet registering a Node and reporting Ready, Flux's kustomize-controller reporting Ready) and
/// reads back through real list, get and watch.
/// </summary>
[Collection("apiserver")]
[Trait(Category.Name, Category.EndToEnd)]
public sealed class ApiServerFixtureTests(ApiServerFixture api, ITestOutputHelper output)
{
    private static readonly TimeSpan WatchTimeout = TimeSpan.FromSeconds(30);

    [SkippableFact]
    public async Task Server_is_Kubernetes_1_20_and_the_kubeconfig_authenticates_as_admin()
    {
        api.Require();
        var version = await api.Client.Version.GetCodeAsync();
        Assert.Equal($"v{ApiServerFixture.Version}", version.GitVersion);

        var kubeconfig = File.ReadAllText(api.KubeconfigPath);
        Assert.Contains(api.Server, kubeconfig);
        Assert.Contains("insecure-skip-tls-verify: true", kubeconfig);

        // the token user is in system:masters: RBAC allows everything
        var review = await api.Client.AuthorizationV1.CreateSelfSubjectAccessReviewAsync(new V1SelfSubjectAccessReview
        {
            Spec = new V1SelfSubjectAccessReviewSpec { ResourceAttributes = new V1ResourceAttributes { Verb = "delete", Resource = "nodes" } },
        });
        Assert.True(review.Status.Allowed);
    }

    [SkippableFact]
    public async Task A_wrong_token_is_refused()
    {
        api.Require();
        var config = new KubernetesClientConfiguration { Host = api.Server, AccessToken = "not-the-token", SkipTlsVerify = true };
        using var stranger = new Kubernetes(config);
        var ex = await Assert.ThrowsAsync<HttpOperationException>(() => stranger.CoreV1.ListNodeAsync());
        Assert.Equal(HttpStatusCode.Unauthorized, ex.Response.StatusCode);
    }

    [SkippableFact]
    public async Task Node_created_then_Ready_through_the_status_subresource_lists_back_Ready()
    {
        api.Require();
        var name = UniqueName("node");
        await api.Client.CoreV1.CreateNodeAsync(NewNode(name));

        // a kubelet reports status through nodes/status
        await api.Client.CoreV1.PatchNodeStatusAsync(ReadyPatch(true), name);

        var nodes = await api.Client.CoreV1.ListNodeAsync(labelSelector: $"homeops.test/name={name}");
        var node = Assert.Single(nodes.Items);
        var ready = Assert.Single(node.Status.Conditions, c => c.Type == "Ready");
        Assert.Equal("True", ready.Status);
        Assert.Equal("KubeletReady", ready.Reason);
        Assert.Equal("10.0.0.11", node.Status.Addresses.Single(a => a.Type == "InternalIP").Address);
    }

    [SkippableFact]
    public async Task Node_status_changed_through_the_main_resource_is_ignored()
    {
        api.Require();
        var name = UniqueName("node");
        await api.Client.CoreV1.CreateNodeAsync(NewNode(name));
        await api.Client.CoreV1.PatchNodeStatusAsync(ReadyPatch(false), name);

        // an update of nodes (not nodes/status) keeps the old status: only the status subresource changes it
        var node = await api.Client.CoreV1.ReadNodeAsync(name);
        node.Status.Conditions.Single(c => c.Type == "Ready").Status = "True";
        node.Metadata.Labels["homeops.test/touched"] = "yes";
        var replaced = await api.Client.CoreV1.ReplaceNodeAsync(node, name);
        Assert.Equal("yes", replaced.Metadata.Labels["homeops.test/touched"]);
        Assert.Equal("False", replaced.Status.Conditions.Single(c => c.Type == "Ready").Status);
    }

    [SkippableFact]
    public async Task Secret_is_created_and_read_back_in_a_fresh_namespace()
    {
        api.Require();
        var ns = await api.CreateNamespaceAsync("secret");
        await api.Client.CoreV1.CreateNamespacedSecretAsync(new V1Secret
        {
            Metadata = new V1ObjectMeta { Name = "onepassword-connect-token" },
            Type = "Opaque",
            StringData = new Dictionary<string, string> { ["token"] = "s3cr3t" },
        }, ns);

        var secret = await api.Client.CoreV1.ReadNamespacedSecretAsync("onepassword-connect-token", ns);
        Assert.Equal("s3cr3t", System.Text.Encoding.UTF8.GetString(secret.Data["token"]));
        var namespaces = await api.Client.CoreV1.ListNamespaceAsync();
        Assert.Contains(namespaces.Items, n => n.Metadata.Name == ns);
    }

    [SkippableFact]
    public async Task Flux_Kustomization_Ready_through_the_status_subresource_reads_back()
    {
        api.Require();
        await api.InstallFluxCrdsAsync();
        var ns = await api.CreateNamespaceAsync("flux");
        var k = TestCrds.Kustomization;
        await api.Client.CustomObjects.CreateNamespacedCustomObjectAsync(
            TestCrds.Object(k, "infrastructure", ns, new { interval = "10m", path = "./infrastructure", prune = true, sourceRef = new { kind = "GitRepository", name = "flux-system" } }),
            k.Group, k.StorageVersion, ns, k.Plural);

        var before = await ReadKustomization(ns, "infrastructure");
        Assert.False(before.TryGetProperty("status", out _));

        await api.Client.CustomObjects.PatchNamespacedCustomObjectStatusAsync(
            TestCrds.ConditionPatch("Ready", true, "ReconciliationSucceeded", "Applied revision: main@sha1:0123abcd"),
            k.Group, k.StorageVersion, ns, k.Plural, "infrastructure");

        var after = await ReadKustomization(ns, "infrastructure");
        var condition = after.GetProperty("status").GetProperty("conditions")[0];
        Assert.Equal("Ready", condition.GetProperty("type").GetString());
        Assert.Equal("True", condition.GetProperty("status").GetString());
        Assert.Equal("ReconciliationSucceeded", condition.GetProperty("reason").GetString());
        Assert.Equal("./infrastructure", after.GetProperty("spec").GetProperty("path").GetString());

        // the status subresource is a real one: a status written through the main resource is dropped
        var replaced = JsonSerializer.Deserialize<Dictionary<string, object>>(after.GetRawText())!;
        replaced["status"] = new { conditions = Array.Empty<object>() };
        await api.Client.CustomObjects.ReplaceNamespacedCustomObjectAsync(replaced, k.Group, k.StorageVersion, ns, k.Plural, "infrastructure");
        var still = await ReadKustomization(ns, "infrastructure");
        Assert.Equal("True", still.GetProperty("status").GetProperty("conditions")[0].GetProperty("status").GetString());
    }

    [SkippableFact]
    public async Task Flux_HelmRelease_status_replaced_through_the_status_subresource()
    {
        api.Require();
        await api.InstallFluxCrdsAsync();
        var ns = await api.CreateNamespaceAsync("helm");
        var h = TestCrds.HelmRelease;
        await api.Client.CustomObjects.CreateNamespacedCustomObjectAsync(
            TestCrds.Object(h, "cilium", ns, new { interval = "30m", chart = new { spec = new { chart = "cilium", version = "1.16.5" } } }),
            h.Group, h.StorageVersion, ns, h.Plural);

        var current = (JsonElement)await api.Client.CustomObjects.GetNamespacedCustomObjectAsync(h.Group, h.StorageVersion, ns, h.Plural, "cilium");
        var body = JsonSerializer.Deserialize<Dictionary<string, object>>(current.GetRawText())!;
        body["status"] = new { conditions = new[] { new { type = "Ready", status = "False", reason = "InstallFailed", message = "timed out", lastTransitionTime = "2025-01-01T00:00:00Z" } } };
        await api.Client.CustomObjects.ReplaceNamespacedCustomObjectStatusAsync(body, h.Group, h.StorageVersion, ns, h.Plural, "cilium");

        var after = (JsonElement)await api.Client.CustomObjects.GetNamespacedCustomObjectAsync(h.Group, h.StorageVersion, ns, h.Plural, "cilium");
        Assert.Equal("InstallFailed", after.GetProperty("status").GetProperty("conditions")[0].GetProperty("reason").GetString());
    }

    [SkippableFact]
    public async Task Watch_on_nodes_sees_the_Ready_change()
    {
        api.Require();
        var name = UniqueName("node");
        await api.Client.CoreV1.CreateNodeAsync(NewNode(name));
        await api.Client.CoreV1.PatchNodeStatusAsync(ReadyPatch(false), name);

        // list, then watch from the list's resourceVersion: what an informer does
        var list = await api.Client.CoreV1.ListNodeAsync(fieldSelector: $"metadata.name={name}");
        Assert.Equal("False", list.Items.Single().Status.Conditions.Single(c => c.Type == "Ready").Status);

        using var cts = new CancellationTokenSource(WatchTimeout);
        var seen = new List<string>();
        var watch = Task.Run(async () =>
        {
            var events = api.Client.CoreV1.WatchListNodeAsync(
                fieldSelector: $"metadata.name={name}", resourceVersion: list.Metadata.ResourceVersion,
                allowWatchBookmarks: true, cancellationToken: cts.Token);
            await foreach (var (type, node) in events)
            {
                if (type == WatchEventType.Bookmark) continue;
                var ready = node.Status?.Conditions?.FirstOrDefault(c => c.Type == "Ready")?.Status ?? "-";
                seen.Add($"{type} {node.Metadata.Name} Ready={ready}");
                if (type == WatchEventType.Modified && ready == "True") return node;
            }
            return null;
        }, cts.Token);

        // the watch is started from the list's resourceVersion, so this change is delivered even if it lands first
        await api.Client.CoreV1.PatchNodeStatusAsync(ReadyPatch(true), name);

        V1Node? changed = null;
        try { changed = await watch; }
        catch (OperationCanceledException) { }
        output.WriteLine(string.Join('\n', seen));
        Assert.True(changed is not null, $"no MODIFIED event with Ready=True within {WatchTimeout.TotalSeconds} s; saw: {string.Join("; ", seen)}");
        Assert.Equal(name, changed!.Metadata.Name);
        Assert.Single(seen);   // nothing before the watch's resourceVersion is replayed
    }

    [SkippableFact]
    public async Task Watch_on_a_Flux_Kustomization_sees_the_status_change()
    {
        api.Require();
        await api.InstallFluxCrdsAsync();
        var ns = await api.CreateNamespaceAsync("fluxw");
        var k = TestCrds.Kustomization;
        var created = (JsonElement)await api.Client.CustomObjects.CreateNamespacedCustomObjectAsync(
            TestCrds.Object(k, "apps", ns, new { interval = "10m", path = "./apps" }), k.Group, k.StorageVersion, ns, k.Plural);
        var resourceVersion = created.GetProperty("metadata").GetProperty("resourceVersion").GetString();

        using var cts = new CancellationTokenSource(WatchTimeout);
        var watch = Task.Run(async () =>
        {
            var events = api.Client.CustomObjects.WatchListNamespacedCustomObjectAsync(
                k.Group, k.StorageVersion, ns, k.Plural, resourceVersion: resourceVersion, cancellationToken: cts.Token);
            await foreach (var (type, item) in events)
            {
                var obj = (JsonElement)item;
                if (type == WatchEventType.Modified && obj.TryGetProperty("status", out var status)
                    && status.GetProperty("conditions")[0].GetProperty("status").GetString() == "True")
                    return true;
            }
            return false;
        }, cts.Token);

        await api.Client.CustomObjects.PatchNamespacedCustomObjectStatusAsync(
            TestCrds.ConditionPatch("Ready", true, "ReconciliationSucceeded", "Applied revision: main@sha1:4567"),
            k.Group, k.StorageVersion, ns, k.Plural, "apps");
        Assert.True(await watch);
    }

    private async Task<JsonElement> ReadKustomization(string ns, string name)
    {
        var k = TestCrds.Kustomization;
        return (JsonElement)await api.Client.CustomObjects.GetNamespacedCustomObjectAsync(k.Group, k.StorageVersion, ns, k.Plural, name);
    }

    private static string UniqueName(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 13)];

    private static V1Node NewNode(string name) => new()
    {
        Metadata = new V1ObjectMeta
        {
            Name = name,
            Labels = new Dictionary<string, string> { ["homeops.test/name"] = name, ["node-role.kubernetes.io/control-plane"] = "" },
        },
    };

    /// <summary>A strategic-merge patch of nodes/status: the Ready condition (merged by type) and the node's address.</summary>
    private static V1Patch ReadyPatch(bool ready)
    {
        var now = DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'");
        return new V1Patch(JsonSerializer.Serialize(new
        {
            status = new
            {
                conditions = new[]
                {
                    new
                    {
                        type = "Ready",
                        status = ready ? "True" : "False",
                        reason = ready ? "KubeletReady" : "KubeletNotReady",
                        message = ready ? "kubelet is posting ready status" : "container runtime network not ready",
                        lastHeartbeatTime = now,
                        lastTransitionTime = now,
                    },
                },
                addresses = new[] { new { type = "InternalIP", address = "10.0.0.11" } },
            },
        }), V1Patch.PatchType.StrategicMergePatch);
    }
}
