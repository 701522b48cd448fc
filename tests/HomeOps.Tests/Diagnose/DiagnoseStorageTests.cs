using System.Net;
using System.Text.Json;
using HomeOps.Tests.Support;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Xunit.Abstractions;

namespace HomeOps.Tests.Diagnose;

/// <summary>
/// `homeops diagnose storage` on the reference repository against the real API server with Longhorn's CRDs. The test
/// plays longhorn-manager: a Longhorn node per mini with its USB SSD disk at /var/mnt/longhorn and volumes with their
/// robustness, all written through the status subresource, and removed afterwards (the server is shared).
/// </summary>
[Collection("apiserver")]
public sealed class DiagnoseStorageTests(ApiServerFixture api, ITestOutputHelper output)
{
    private const string Namespace = "longhorn-system";
    private const long Ssd = 500_107_862_016;   // a 500 GB T5, as Longhorn reports storageMaximum
    private static readonly string[] Minis = ["mini01", "mini02", "mini03"];

    [Fact]
    public async Task Longhorn_on_every_SSD_with_healthy_volumes_is_healthy()
    {
        if (!api.Started(output)) return;
        await WithLonghorn(new Picture(), () =>
        {
            var result = Diagnose();
            Assert.True(result.ExitCode == 0, result.Output);
            Assert.Matches(@"ok\s+node mini02\s+disks: longhorn-ssd at /var/mnt/longhorn", result.Stdout);
            Assert.Matches(@"ok\s+node mini03\s+space on /var/mnt/longhorn: 232\.9 GiB free of 465\.8 GiB \(50\.0%\)", result.Stdout);
            Assert.Matches(@"ok\s+volumes\s+as planned: 4 of 4 volume\(s\) healthy with enough replicas \(1 detached\)", result.Stdout);
            Assert.Contains("ok: storage: all", result.Stdout);
        });
    }

    [Fact]
    public async Task A_degraded_volume_and_a_nearly_full_SSD_on_mini02_are_named_with_the_evidence()
    {
        if (!api.Started(output)) return;
        await WithLonghorn(new Picture(Mini02FreePercent: 5, Mini02VolumeRobustness: "degraded"), () =>
        {
            var result = Diagnose();
            Assert.Equal(1, result.ExitCode);
            Assert.Matches(@"FAIL node mini02\s+space on /var/mnt/longhorn: 23\.3 GiB free of 465\.8 GiB \(5\.0%\)\n\s+expected: at least 20% free", result.Stdout);
            Assert.Matches(@"WARN volume pvc-postgres-mini02\s+robustness: degraded, attached to mini02, 2 replica\(s\) wanted", result.Stdout);
            Assert.Matches(@"ok\s+node mini01\s+space on /var/mnt/longhorn", result.Stdout);
            Assert.Contains("storage: 1 failed, 1 warning(s)", result.Stdout);
        });
    }

    [Fact]
    public async Task A_volume_with_fewer_replicas_than_the_repository_default_is_a_warning()
    {
        if (!api.Started(output)) return;
        await WithLonghorn(new Picture(Mini02VolumeReplicas: 1), () =>
        {
            var result = Diagnose();
            Assert.Equal(1, result.ExitCode);
            Assert.Matches(@"WARN volume pvc-postgres-mini02\s+replicas: 1 wanted \(attached to mini02\)\n\s+expected: at least 2 \(defaultReplicaCount", result.Stdout);
        });
    }

    private ProcessResult Diagnose()
    {
        var result = Process.HomeOps(Repo.Root, new Dictionary<string, string>(), "diagnose", "storage", "--kubeconfig", api.KubeconfigPath);
        output.WriteLine(result.Output);
        return result;
    }

    /// <summary>What longhorn-manager reports; the defaults are a healthy cluster, half of every SSD free.</summary>
    private sealed record Picture(int Mini02FreePercent = 50, string Mini02VolumeRobustness = "healthy", int Mini02VolumeReplicas = 2);

    private async Task WithLonghorn(Picture picture, Action test)
    {
        await api.InstallDayTwoCrdsAsync();
        var client = api.Client;
        try { await client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = Namespace } }); }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Conflict) { }
        var node = TestCrds.LonghornNode;
        var volume = TestCrds.LonghornVolume;
        var volumes = new List<string>();
        try
        {
            foreach (var mini in Minis)
            {
                var freePercent = mini == "mini02" ? picture.Mini02FreePercent : 50;
                await Create(node, mini, new { disks = new { longhorn_ssd = new { path = "/var/mnt/longhorn", allowScheduling = true } } }, new
                {
                    conditions = new[] { Condition("Ready"), Condition("Schedulable") },
                    diskStatus = new Dictionary<string, object>
                    {
                        ["longhorn-ssd"] = new
                        {
                            diskPath = "/var/mnt/longhorn",
                            storageMaximum = Ssd,
                            storageAvailable = Ssd * freePercent / 100,
                            storageScheduled = Ssd / 4,
                            conditions = new[] { Condition("Ready"), Condition("Schedulable") },
                        },
                    },
                });

                var name = $"pvc-postgres-{mini}";
                volumes.Add(name);
                var replicas = mini == "mini02" ? picture.Mini02VolumeReplicas : 2;
                await Create(volume, name, new { size = "10737418240", numberOfReplicas = replicas },
                    new { state = "attached", robustness = mini == "mini02" ? picture.Mini02VolumeRobustness : "healthy", currentNodeID = mini });
            }
            volumes.Add("pvc-backup-scratch");
            await Create(volume, "pvc-backup-scratch", new { size = "5368709120", numberOfReplicas = 2 }, new { state = "detached", robustness = "unknown", currentNodeID = "" });

            test();
        }
        finally
        {
            foreach (var mini in Minis) await Delete(node, mini);
            foreach (var name in volumes) await Delete(volume, name);
        }
    }

    /// <summary>Creates the object, then writes its status as longhorn-manager does, through the status subresource.</summary>
    private async Task Create(TestCrds.Crd crd, string name, object spec, object status)
    {
        await Delete(crd, name);
        var body = TestCrds.Object(crd, name, Namespace, spec);
        // Longhorn's disk names are map keys with dashes, which an anonymous type cannot spell
        var json = JsonSerializer.Serialize(body).Replace("longhorn_ssd", "longhorn-ssd");
        await api.Client.CustomObjects.CreateNamespacedCustomObjectAsync(JsonDocument.Parse(json).RootElement, crd.Group, crd.StorageVersion, Namespace, crd.Plural);
        await api.Client.CustomObjects.PatchNamespacedCustomObjectStatusAsync(
            new V1Patch(JsonSerializer.Serialize(new { status }), V1Patch.PatchType.MergePatch), crd.Group, crd.StorageVersion, Namespace, crd.Plural, name);
    }

    private async Task Delete(TestCrds.Crd crd, string name)
    {
        try { await api.Client.CustomObjects.DeleteNamespacedCustomObjectAsync(crd.Group, crd.StorageVersion, Namespace, crd.Plural, name); }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound) { }
    }

    private static object Condition(string type) => new { type, status = "True", reason = "", message = "" };
}
