using System.Text.Json;
using System.Text.Json.Nodes;
using HomeOps.Tests.Operations;
using HomeOps.Tests.Support;
using Xunit.Abstractions;

namespace HomeOps.Tests.Diagnose;

/// <summary>`homeops diagnose usb-ssd` on a clone of the reference repository against the talosctl stand-in playing the three minis.</summary>
[Trait(Category.Name, Category.EndToEnd)]
public sealed class DiagnoseUsbSsdTests(ITestOutputHelper output)
{
    private ProcessResult Diagnose(OperationsHarness h, params string[] extra)
    {
        var result = h.Run("", ["diagnose", "usb-ssd", .. extra]);
        output.WriteLine(result.Output);
        return result;
    }

    [Fact]
    public void Every_mini_with_its_T5_on_usb_ready_and_mounted_where_Longhorn_writes_is_healthy()
    {
        using var h = new OperationsHarness();
        var result = Diagnose(h);
        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Matches(@"ok\s+node mini02\s+SSD detected: sda at /dev/sda, 500 GB, serial S3PJNF0J012A", result.Stdout);
        Assert.Matches(@"ok\s+node mini02\s+transport: usb", result.Stdout);
        Assert.Matches(@"ok\s+node mini02\s+volume u-longhorn: phase ready, /dev/sda1 on /dev/sda, xfs", result.Stdout);
        Assert.Matches(@"ok\s+node mini03\s+mounted at /var/mnt/longhorn: /dev/sda1 \(xfs\)", result.Stdout);
        Assert.Contains("ok: usb-ssd: all", result.Stdout);
        Assert.Empty(h.MutatingCalls);
    }

    [Fact]
    public void An_SSD_gone_from_mini02s_bus_is_named_with_the_disks_the_node_does_see()
    {
        using var h = new OperationsHarness();
        h.Talos("ssd", new JsonObject { ["172.29.51.12"] = "missing" });
        var result = Diagnose(h);
        Assert.Equal(1, result.ExitCode);
        Assert.Matches(@"FAIL node mini02\s+SSD detected: not among the disks: nvme0n1 APPLE SSD AP0256M \(nvme\)\n\s+expected: a disk with model ""Portable SSD T5"" \(talconfig userVolumes longhorn\)", result.Stdout);
        Assert.Matches(@"FAIL node mini02\s+volume u-longhorn: phase waiting", result.Stdout);
        Assert.Matches(@"FAIL node mini02\s+mounted at /var/mnt/longhorn: nothing mounted there", result.Stdout);
        Assert.Matches(@"ok\s+node mini01\s+SSD detected", result.Stdout);
        Assert.Contains("usb-ssd: 3 failed", result.Stdout);
    }

    [Fact]
    public void An_SSD_whose_volume_failed_to_mount_shows_Talos_error()
    {
        using var h = new OperationsHarness();
        h.Talos("ssd", new JsonObject { ["172.29.51.12"] = "unmounted" });
        var result = Diagnose(h);
        Assert.Equal(1, result.ExitCode);
        Assert.Matches(@"ok\s+node mini02\s+SSD detected: sda", result.Stdout);
        Assert.Matches(@"FAIL node mini02\s+volume u-longhorn: phase failed, /dev/sda1 on /dev/sda, xfs: error mounting volume: .*structure needs cleaning", result.Stdout);
        Assert.Matches(@"FAIL node mini02\s+mounted at /var/mnt/longhorn: nothing mounted there", result.Stdout);
    }

    [Fact]
    public void A_node_that_does_not_answer_is_a_finding_and_the_others_are_still_checked()
    {
        using var h = new OperationsHarness();
        h.Talos("unreachable", new JsonArray("172.29.51.13"));
        var result = Diagnose(h, "--format", "json");
        Assert.Equal(1, result.ExitCode);
        using var json = JsonDocument.Parse(result.Stdout);
        var checks = json.RootElement.GetProperty("checks").EnumerateArray().ToList();
        var down = Assert.Single(checks, c => c.GetProperty("subject").GetString() == "node mini03");
        Assert.Equal("fail", down.GetProperty("verdict").GetString());
        Assert.Contains("no route to host", down.GetProperty("seen").GetString());
        Assert.All(checks.Where(c => c.GetProperty("subject").GetString() == "node mini01"), c => Assert.Equal("ok", c.GetProperty("verdict").GetString()));
    }

    [Fact]
    public void No_node_answering_is_an_unreachable_cluster()
    {
        using var h = new OperationsHarness();
        h.Talos("unreachable", new JsonArray("172.29.51.11", "172.29.51.12", "172.29.51.13"));
        var result = Diagnose(h);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("no node answered talosctl", result.Stderr);
        Assert.Empty(result.Stdout);
    }

    [Fact]
    public void Without_a_talosconfig_the_operator_is_told_where_it_comes_from()
    {
        using var h = new OperationsHarness();
        File.Delete(Path.Combine(h.Root, "talos", "clusterconfig", "talosconfig"));
        var result = Diagnose(h);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("no talosconfig at", result.Stderr);
        Assert.Contains("homeops talos genconfig", result.Stderr);
        Assert.Empty(h.StandIns.Calls);
    }
}
