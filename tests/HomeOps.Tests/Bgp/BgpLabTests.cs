using HomeOps.Adapters.Bgp;
using HomeOps.Adapters.Files;
using HomeOps.Compile.Bgp;
using HomeOps.Tests.Support;
using Xunit.Abstractions;
using ProcessStartInfo = System.Diagnostics.ProcessStartInfo;
using Stopwatch = System.Diagnostics.Stopwatch;

namespace HomeOps.Tests.Bgp;

/// <summary>
/// `homeops bgp lab` with real speakers. Needs root, `ip netns`, Debian's frr and gobgpd (./test.sh
/// installs both); without root the tests say so and return. One lab at a time: they share the CPU.
/// </summary>
[Collection("bgp-lab")]
[Trait(Category.Name, Category.EndToEnd)]
public sealed class BgpLabTests(ITestOutputHelper output)
{
    /// <summary>Skips (with the reason) without root, which network namespaces need; fails when the speakers are not installed.</summary>
    private static void RequireLab()
    {
        Skip.If(Environment.UserName != "root" && Process.Run("id", Repo.Root, "-u").Stdout.Trim() != "0", "the BGP lab needs root (network namespaces)");
        foreach (var binary in new[] { "/usr/lib/frr/bgpd", "/usr/bin/vtysh", "/usr/bin/gobgpd", "/usr/bin/gobgp" })
            if (!File.Exists(binary)) throw new Xunit.Sdk.XunitException($"{binary} missing: install Debian's frr and gobgpd (./test.sh does)");
    }

    [SkippableFact]
    public void Reference_lab_establishes_every_session_and_the_router_learns_every_loadbalancer_ip()
    {
        RequireLab();
        var clock = Stopwatch.StartNew();
        var result = Process.HomeOps(Repo.Root, "bgp", "lab");
        output.WriteLine(result.Output);
        output.WriteLine($"lab run took {clock.Elapsed.TotalSeconds:F1} s");
        Assert.True(result.ExitCode == 0, result.Output);
        foreach (var host in new[] { "mini01", "mini02", "mini03" })
        {
            Assert.Matches($@"{host}\s+IPv4 .* Established", result.Stdout);
            Assert.Matches($@"{host}\s+IPv6 .* Established", result.Stdout);
        }
        Assert.Contains("172.29.52.200/32", result.Stdout);
        Assert.Matches(@"172\.29\.52\.200/32 .*ingress-nginx-internal.*learned from 172\.29\.51\.11, 172\.29\.51\.12, 172\.29\.51\.13", result.Stdout);
        Assert.Matches(@"172\.29\.52\.201/32 .*ingress-nginx-public.*learned from 172\.29\.51\.11, 172\.29\.51\.12, 172\.29\.51\.13", result.Stdout);
        Assert.Contains("ok: 6 sessions Established, 2 routes learned", result.Stdout);
        AssertNothingLeft();
    }

    [SkippableFact]
    public void Broken_advertisement_labels_leave_the_routes_missing_and_validate_agrees()
    {
        RequireLab();
        using var temp = new TempDir();
        var root = BgpTrees.Reference(temp);
        BgpTrees.Edit(root, "infrastructure/cilium/bgp.yaml", text => text.Replace("  labels:\n    advertise: bgp", "  labels:\n    advertise: nope"));
        var result = Process.HomeOps(root, "bgp", "lab", root, "--timeout", "15s");
        output.WriteLine(result.Output);
        Assert.Equal(1, result.ExitCode);
        Assert.Matches(@"mini01\s+IPv4 .* Established", result.Stdout); // sessions up, nothing announced: the incident
        Assert.Matches(@"172\.29\.52\.200/32 .*: MISSING", result.Stdout);
        Assert.Matches(@"172\.29\.52\.201/32 .*: MISSING", result.Stdout);
        Assert.Contains("2 routes missing", result.Stdout);
        AssertNothingLeft();
        var validate = Process.HomeOps(root, "validate", root, "--rule", "bgp/");
        Assert.Contains("bgp/service-not-advertised", validate.Stdout);
    }

    [SkippableFact]
    public void A_peer_config_without_ipv4_drops_the_ipv4_sessions_and_routes()
    {
        RequireLab();
        using var temp = new TempDir();
        var root = BgpTrees.Reference(temp);
        // the IPv4 peer uses the IPv6 peer config: its session negotiates ipv6 only
        BgpTrees.Edit(root, "infrastructure/cilium/bgp.yaml", text => text.Replace("name: udm-pro-v4\n        - name: udm-pro-v6", "name: udm-pro-v6\n        - name: udm-pro-v6"));
        var result = Process.HomeOps(root, "bgp", "lab", root, "--timeout", "15s");
        output.WriteLine(result.Output);
        // the router config follows the broken peer config, so the lab shows what the cluster would really do
        Assert.Equal(1, result.ExitCode);
        Assert.Matches(@"mini01\s+IPv4 .* no family negotiated", result.Stdout);
        Assert.Matches(@"mini01\s+IPv6 .* Established", result.Stdout);
        Assert.Matches(@"172\.29\.52\.200/32 .*: MISSING", result.Stdout);
        AssertNothingLeft();
        Assert.Contains("bgp/service-not-advertised", Process.HomeOps(root, "validate", root, "--rule", "bgp/").Stdout);
    }

    [SkippableFact]
    public void A_service_asking_for_a_pool_that_does_not_exist_gets_no_route_and_validate_agrees()
    {
        RequireLab();
        using var temp = new TempDir();
        var root = BgpTrees.Reference(temp);
        BgpTrees.Edit(root, "infrastructure/ingress-nginx/helmrelease-internal.yaml", text => text.Replace("io.cilium/lb-ipam-pool: bgp-ingress", "io.cilium/lb-ipam-pool: bgp-ingres"));
        var result = Process.HomeOps(root, "bgp", "lab", root, "--timeout", "15s");
        output.WriteLine(result.Output);
        Assert.Equal(1, result.ExitCode);
        Assert.Matches(@"mini01\s+IPv4 .* Established", result.Stdout);
        Assert.Matches(@"172\.29\.52\.201/32 .*ingress-nginx-public.*learned from", result.Stdout); // the other service is unaffected
        Assert.Matches(@"172\.29\.52\.200/32 .*ingress-nginx-internal.*: MISSING \(no pool that selects the Service holds it", result.Stdout);
        Assert.Contains("1 routes missing", result.Stdout);
        AssertNothingLeft();
        Assert.Contains("network/lb-ip-unassignable", Process.HomeOps(root, "validate", root, "--rule", "network/").Stdout);
    }

    [SkippableFact]
    public void A_router_running_another_asn_keeps_every_session_down_and_validate_agrees()
    {
        RequireLab();
        using var temp = new TempDir();
        var root = BgpTrees.Reference(temp);
        // the operator states the router's real ASN once; both the lab and validate read it from there
        BgpTrees.Edit(root, "bootstrap-config.yaml", text => text + "\nrouter:\n  routerASN: 64514\n");
        var result = Process.HomeOps(root, "bgp", "lab", root, "--timeout", "12s");
        output.WriteLine(result.Output);
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("the router runs with ASN 64514, the cluster expects 64513", result.Stderr);
        Assert.DoesNotMatch(@"(mini0[123])\s+IPv[46] .* Established", result.Stdout);
        Assert.Matches(@"172\.29\.52\.200/32 .*: MISSING", result.Stdout);
        AssertNothingLeft();
        Assert.Contains("bgp/asn-mismatch", Process.HomeOps(root, "validate", root, "--rule", "bgp/").Stdout);
    }

    [SkippableFact]
    public void Sigterm_mid_run_tears_everything_down_and_a_killed_lab_is_cleaned_by_the_next()
    {
        RequireLab();
        var info = new ProcessStartInfo("dotnet") { WorkingDirectory = Repo.Root, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { Path.Combine(AppContext.BaseDirectory, "homeops.dll"), "bgp", "lab" }) info.ArgumentList.Add(a);
        using (var lab = System.Diagnostics.Process.Start(info)!)
        {
            WaitForSpeakers(lab.Id);
            Process.Run("kill", Repo.Root, "-TERM", lab.Id.ToString());
            Assert.True(lab.WaitForExit(TimeSpan.FromMinutes(2)), "the lab did not exit after SIGTERM");
        }
        AssertNothingLeft();

        using (var lab = System.Diagnostics.Process.Start(info)!)
        {
            WaitForSpeakers(lab.Id);
            lab.Kill(); // SIGKILL: no teardown possible in the process itself
            lab.WaitForExit();
        }
        Assert.NotEmpty(BgpLab.CleanStale());
        AssertNothingLeft();
    }

    private static void WaitForSpeakers(int owner)
    {
        var clock = Stopwatch.StartNew();
        while (!Process.Run("ps", Repo.Root, "-eo", "comm").Stdout.Contains("gobgpd") || !Namespaces().Any(n => n.StartsWith($"{BgpLab.Prefix}{owner}-")))
        {
            if (clock.Elapsed > TimeSpan.FromMinutes(2)) throw new Xunit.Sdk.XunitException("the lab did not start its speakers");
            Thread.Sleep(100);
        }
    }

    private static IEnumerable<string> Namespaces() =>
        Process.Run("ip", Repo.Root, "netns", "list").Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' ')[0]);

    private static void AssertNothingLeft()
    {
        Assert.DoesNotContain(Namespaces(), n => n.StartsWith(BgpLab.Prefix));
        Assert.DoesNotContain(BgpLab.Prefix, Process.Run("ip", Repo.Root, "-o", "link").Stdout);
        // zombies (state Z) are gone already, only not yet reaped by this container's init
        var commands = Process.Run("ps", Repo.Root, "-eo", "stat=,comm=").Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Trim().Split(' ', 2, StringSplitOptions.RemoveEmptyEntries)).Where(p => p.Length == 2 && !p[0].StartsWith('Z')).Select(p => p[1].Trim());
        Assert.DoesNotContain("gobgpd", commands);
        Assert.DoesNotContain("bgpd", commands);
    }
}

[CollectionDefinition("bgp-lab", DisableParallelization = true)]
public sealed class BgpLabCollection;

public sealed class LabPlanTests
{
    [SkippableFact]
    public void Reference_plan_announces_both_ingress_ips_to_every_ipv4_session_and_nothing_on_ipv6()
    {
        var plan = LabPlan.From(new DiskRepository(new GitCli()).Load(Repo.Root, new Dictionary<string, string>()));
        Assert.Equal(["172.29.52.200/32", "172.29.52.201/32"], plan.Expected.Select(e => e.ToString()).Order());
        Assert.All(plan.Announced.Where(a => !a.Key.IsV6), a => Assert.Equal(2, a.Value.Count));
        Assert.All(plan.Announced.Where(a => a.Key.IsV6), a => Assert.Empty(a.Value));
        var toml = plan.GoBgpConfig(plan.Topology.Nodes[0]);
        Assert.Contains("as = 64512", toml);
        Assert.Contains("neighbor-address = \"172.29.51.1\"", toml);
        Assert.Contains("neighbor-address = \"fd47:25e1:2f96:51::1\"", toml);
        Assert.Contains("hold-time = 9", toml);
        Assert.Contains("ip-prefix = \"172.29.52.200/32\"", toml);
    }
}
