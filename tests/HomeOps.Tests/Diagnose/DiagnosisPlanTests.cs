using HomeOps.Adapters.Files;
using HomeOps.Compile.Repository;
using HomeOps.Operations.Diagnose;
using HomeOps.Tests.Support;

namespace HomeOps.Tests.Diagnose;

/// <summary>What the diagnoses expect, read from the reference repository: the values operators used to look up by hand.</summary>
public sealed class DiagnosisPlanTests
{
    private static readonly RepoModel Reference = new DiskRepository(new GitCli()).Load(Repo.Root, new Dictionary<string, string>());

    [Fact]
    public void Dual_stack_plan_is_talconfigs_nodes_pod_and_service_networks_and_the_LB_pools()
    {
        var plan = DualStackPlan.From(Reference);
        Assert.Equal(["mini01", "mini02", "mini03"], plan.Nodes.Select(n => n.Hostname));
        Assert.Equal(["172.29.51.12", "fd47:25e1:2f96:51::12"], plan.Nodes[1].Addresses.Select(a => a.ToString()));
        Assert.Equal(["10.244.0.0/16", "fd47:25e1:2f96:51:2000::/80"], plan.PodRanges.Select(r => r.Range.ToString()));
        Assert.Equal(["10.96.0.0/12", "fd47:25e1:2f96:51:1000::/108"], plan.ServiceRanges.Select(r => r.Range.ToString()));
        Assert.Equal([false, true], plan.Families);
        Assert.Equal(["bgp-default", "bgp-ingress", "bgp-reserved"], plan.Pools.Select(p => p.Name).Order());
    }

    [Fact]
    public void Storage_plan_is_the_longhorn_release_data_path_and_replica_count()
    {
        var plan = StoragePlan.From(Reference);
        Assert.NotNull(plan);
        Assert.Equal(("/var/mnt/longhorn", 2), (plan.DataPath, plan.ReplicaCount));
        Assert.Equal(["mini01", "mini02", "mini03"], plan.Nodes);
    }

    [Fact]
    public void Usb_ssd_plan_is_the_user_volume_selected_by_model_and_where_Talos_mounts_it()
    {
        var plan = UsbSsdPlan.From(Reference);
        Assert.Empty(plan.WithoutSsd);
        Assert.All(plan.Nodes, n =>
        {
            Assert.Equal(("Portable SSD T5", "usb", "u-longhorn", "/var/mnt/longhorn"), (n.Model, n.Transport, n.VolumeId, n.MountPath));
            Assert.Equal(100L << 30, n.MinSize);
        });
        Assert.Equal("172.29.51.13", plan.Nodes[2].Node.TalosAddress);
        Assert.Equal("/var/mnt/longhorn", plan.LonghornDataPath);
    }

    [Theory]
    [InlineData("100GiB", 107374182400L)]
    [InlineData("100GB", 100000000000L)]
    [InlineData("1.5 TiB", 1649267441664L)]
    [InlineData("512M", 512000000L)]
    [InlineData("4096", 4096L)]
    public void Sizes_read_as_Talos_reads_minSize(string text, long bytes) => Assert.Equal(bytes, UsbSsdPlan.ParseBytes(text));
}
