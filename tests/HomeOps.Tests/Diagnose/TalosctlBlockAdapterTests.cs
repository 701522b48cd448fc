using System.Text.Json.Nodes;
using HomeOps.Adapters.Tools;
using HomeOps.Operations.Tools;
using HomeOps.Tests.Operations;

namespace HomeOps.Tests.Diagnose;

/// <summary>The block-device reads of the talosctl adapter against the stand-in: Talos' JSON (one object per resource) read back.</summary>
public sealed class TalosctlBlockAdapterTests
{
    [Fact]
    public async Task Reads_every_disk_the_volume_and_every_mount()
    {
        using var h = new OperationsHarness();
        var talosctl = new Talosctl(h.StandIns.Runner);
        var config = Path.Combine(h.Root, "talos", "clusterconfig", "talosconfig");

        // several resources: talosctl prints one JSON object after another, not an array
        var disks = await talosctl.DisksAsync("172.29.51.11", config, CancellationToken.None);
        Assert.Equal(["nvme0n1", "sda"], disks.Select(d => d.Id));
        var ssd = disks[1];
        Assert.Equal(("/dev/sda", "Portable SSD T5", "usb", 500107862016L, "500 GB"), (ssd.DevPath, ssd.Model, ssd.Transport, ssd.Size, ssd.PrettySize));

        var volume = await talosctl.VolumeStatusAsync("172.29.51.11", config, "u-longhorn", CancellationToken.None);
        Assert.NotNull(volume);
        Assert.True(volume.Ready);
        Assert.Equal(("/dev/sda1", "/dev/sda", "xfs"), (volume.Location, volume.ParentLocation, volume.Filesystem));
        Assert.Null(await talosctl.VolumeStatusAsync("172.29.51.11", config, "u-nothing", CancellationToken.None));

        var mounts = await talosctl.MountsAsync("172.29.51.11", config, CancellationToken.None);
        Assert.Contains(new TalosMount("/dev/sda1", "/var/mnt/longhorn", "xfs"), mounts);
        Assert.Contains(mounts, m => m.Target == "/var");
    }

    [Fact]
    public async Task A_node_that_does_not_answer_throws_with_talosctls_error()
    {
        using var h = new OperationsHarness();
        h.Talos("unreachable", new JsonArray("172.29.51.12"));
        var talosctl = new Talosctl(h.StandIns.Runner);
        var config = Path.Combine(h.Root, "talos", "clusterconfig", "talosconfig");
        var e = await Assert.ThrowsAsync<ToolFailedException>(() => talosctl.DisksAsync("172.29.51.12", config, CancellationToken.None));
        Assert.Contains("no route to host", e.Result.Stderr);
    }
}
