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
        Assert.Contains(new TalosMount("/dev/sda1", "/var/mnt/longhorn", "xfs", "u-longhorn"), mounts);
        Assert.Contains(mounts, m => m.Target == "/var");
    }

    /// <summary>Issue #13 item 4: `get mountstatus` is MountStatuses.block.talos.dev, whose filesystem field is `filesystem`.</summary>
    [Fact]
    public async Task Mountstatus_is_the_block_resource_and_its_filesystem_is_read()
    {
        using var h = new OperationsHarness();
        var talosctl = new Talosctl(h.StandIns.Runner);
        var config = Path.Combine(h.Root, "talos", "clusterconfig", "talosconfig");
        var mounts = await talosctl.MountsAsync("172.29.51.11", config, CancellationToken.None);
        Assert.All(mounts, m => Assert.Equal("xfs", m.Filesystem));
        Assert.Equal(["STATE", "EPHEMERAL", "u-longhorn"], mounts.Select(m => m.VolumeId));

        // what `get mounts` (the runtime resource) prints is a different type and is refused by name, not read as empty
        var runtime = await h.StandIns.Runner.RunAsync("talosctl", ["--talosconfig", config, "--nodes", "172.29.51.11", "--endpoints", "172.29.51.11", "get", "mounts", "--output", "json"], CancellationToken.None);
        var knobs = h.StandIns.Knobs;
        knobs["fail"] = new JsonArray(new JsonObject { ["tool"] = "talosctl", ["command"] = "get mountstatus", ["exit"] = 0, ["stdout"] = runtime.Stdout, ["stderr"] = "" });
        h.StandIns.Knobs = knobs;
        var e = await Assert.ThrowsAsync<ToolFailedException>(() => talosctl.MountsAsync("172.29.51.11", config, CancellationToken.None));
        Assert.Contains("talosctl v1.10.5 `get mountstatus` returned MountStatuses.runtime.talos.dev; expected MountStatuses.block.talos.dev", e.Message);
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
