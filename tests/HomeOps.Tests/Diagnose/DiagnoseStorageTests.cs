using HomeOps.Tests.Support;
using Xunit.Abstractions;

namespace HomeOps.Tests.Diagnose;

/// <summary>
/// `homeops diagnose storage` on the reference repository against the real API server with Longhorn's CRDs. The test
/// plays longhorn-manager: a Longhorn node per mini with its USB SSD disk at /var/mnt/longhorn and volumes with their
/// robustness, all written through the status subresource (<see cref="LiveCluster"/>, which first clears what earlier tests left).
/// </summary>
[Collection("apiserver")]
[Trait(Category.Name, Category.EndToEnd)]
public sealed class DiagnoseStorageTests(ApiServerFixture api, ITestOutputHelper output)
{
    private const long Ssd = 500_107_862_016;   // a 500 GB T5, as Longhorn reports storageMaximum
    private static readonly string[] Minis = ["mini01", "mini02", "mini03"];

    [SkippableFact]
    public async Task Longhorn_on_every_SSD_with_healthy_volumes_is_healthy()
    {
        api.Require();
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

    [SkippableFact]
    public async Task A_degraded_volume_and_a_nearly_full_SSD_on_mini02_are_named_with_the_evidence()
    {
        api.Require();
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

    [SkippableFact]
    public async Task A_volume_with_fewer_replicas_than_the_repository_default_is_a_warning()
    {
        api.Require();
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
        var live = await LiveCluster.StartAsync(api);
        foreach (var mini in Minis)
        {
            var freePercent = mini == "mini02" ? picture.Mini02FreePercent : 50;
            await live.LonghornNodeAsync(mini, "/var/mnt/longhorn", available: Ssd * freePercent / 100, maximum: Ssd);
            await live.VolumeAsync($"pvc-postgres-{mini}", "attached", mini == "mini02" ? picture.Mini02VolumeRobustness : "healthy", mini,
                replicas: mini == "mini02" ? picture.Mini02VolumeReplicas : 2);
        }
        await live.VolumeAsync("pvc-backup-scratch", "detached", "unknown", null);
        test();
    }
}
