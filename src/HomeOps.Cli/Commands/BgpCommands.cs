using System.CommandLine;
using HomeOps.Adapters.Bgp;
using HomeOps.Compile.Bgp;

namespace HomeOps.Cli.Commands;

public static class BgpCommands
{
    public static Command Create()
    {
        var bgp = new Command("bgp", "The router side of the cluster's BGP sessions (docs/bgp.md).");
        bgp.Subcommands.Add(RouterConfigCommand());
        bgp.Subcommands.Add(LabCommand());
        return bgp;
    }

    private static Command LabCommand()
    {
        var path = RepositoryArgument();
        var timeout = CliOptions.Timeout("30s", "How long to wait for every session and route");
        var routerAsn = new Option<long?>("--router-asn")
        {
            Description = "The ASN the real router runs with, when it is not the peerASN the cluster expects (default: a routerASN stated in bootstrap-config.yaml, else the peerASN): shows what a misconfigured router does",
        };
        var command = new Command("lab", """
            Prove the LoadBalancer IPs reach the router, with real BGP speakers on this machine (root,
            `ip netns`, Debian's frr and gobgpd): one network namespace per node and one for the
            router, FRR's bgpd with the generated router config, GoBGP per node configured from the
            Cilium objects. Reports every session, the routes the router learned and what is missing.
            Tears everything down at the end, on failure and on Ctrl-C. Exit 0 when all is as
            planned, 1 when a session is down or a route missing or unexpected.
            """) { path, timeout, routerAsn };
        command.SetAction(async (parse, cancel) =>
        {
            var repo = Composition.LoadRepository(Composition.ExistingRoot(parse, parse.GetValue(path)));
            var plan = LabPlan.From(repo);
            if ((parse.GetValue(routerAsn) ?? BgpTopology.StatedRouterAsn(repo)) is { } asn && asn != plan.Topology.RouterAsn)
            {
                Console.Error.WriteLine($"the router runs with ASN {asn}, the cluster expects {plan.Topology.RouterAsn} (`homeops validate` reports bgp/asn-mismatch when bootstrap-config.yaml states it)");
                plan = plan with { Topology = plan.Topology with { RouterAsn = asn } };
            }
            foreach (var stale in BgpLab.CleanStale()) Console.Error.WriteLine($"removed {stale}, left by a lab that was killed");
            using var lab = new BgpLab(plan, Console.Error.WriteLine);
            // Ctrl-C or SIGTERM tears the lab down at once (BgpLab.Dispose is safe beside a running Run)
            using var teardown = cancel.Register(lab.Dispose);
            // off the invoking thread: the command-line library listens for the signals only once the action has yielded
            var report = await Task.Run(() => lab.Run(parse.GetValue(timeout)), CancellationToken.None);
            cancel.ThrowIfCancellationRequested();
            Print(plan, report);
            return report.Ok ? ExitCodes.Ok : ExitCodes.Findings;
        });
        return command.WhenInterrupted("the lab's namespaces and speakers were removed");
    }

    private static void Print(LabPlan plan, LabReport report)
    {
        Console.WriteLine("sessions (router's view):");
        foreach (var s in report.Sessions)
            Console.WriteLine($"  {s.Session.Node.Hostname,-10} {(s.Session.IsV6 ? "IPv6" : "IPv4")}  {s.Session.NodeAddress} -> {s.Session.RouterAddress}  {s.State}");
        Console.WriteLine("LoadBalancer routes at the router:");
        foreach (var address in plan.Addresses)
        {
            var from = report.Learned.TryGetValue(address.Route, out var peers) ? $"learned from {string.Join(", ", peers.Order())}"
                : address.Assigned ? "MISSING" : "MISSING (no pool that selects the Service holds it: LB-IPAM leaves it pending)";
            Console.WriteLine($"  {address.Route,-28} {address.Service.Description}{(address.Requested ? "" : " (first free pool address, assumed)")}: {from}");
        }
        foreach (var extra in report.Unexpected) Console.WriteLine($"  {extra,-28} UNEXPECTED (no LoadBalancer Service has it)");
        Console.WriteLine(report.Ok
            ? $"ok: {report.Sessions.Count} sessions Established, {plan.Expected.Count} routes learned; settled in {report.Settle.TotalSeconds:F1} s"
            : $"FAILED after {report.Settle.TotalSeconds:F1} s: {report.Sessions.Count(s => s.State != "Established")} sessions down, {report.Missing.Count} routes missing, {report.Unexpected.Count} unexpected");
    }

    private static Command RouterConfigCommand()
    {
        var path = RepositoryArgument();
        var router = new Option<string>("--router") { Description = "The router's software: frr (a complete frr.conf) or unifi (the text for the UDM's BGP upload)", DefaultValueFactory = _ => "frr" };
        router.AcceptOnlyFromAmong("frr", "unifi");
        var command = new Command("router-config", """
            Print the router's BGP configuration (FRR syntax) for the cluster, generated from
            talconfig.yaml (node addresses, both families) and the CiliumBGPClusterConfig,
            CiliumBGPPeerConfig and CiliumLoadBalancerIPPool objects: one eBGP neighbor per node
            address per peer family, that family activated, inbound only /32 and /128 routes inside
            the LB pools, outbound nothing, the peer config's timers, graceful restart.
            """) { path, router };
        command.SetAction((parse, cancel) =>
        {
            var repo = Composition.LoadRepository(Composition.ExistingRoot(parse, parse.GetValue(path)));
            var flavour = parse.GetValue(router) == "unifi" ? RouterFlavour.Unifi : RouterFlavour.Frr;
            Console.Out.Write(RouterConfig.Render(BgpTopology.From(repo), flavour));
            return Task.FromResult(ExitCodes.Ok);
        });
        return command;
    }

    private static Argument<string?> RepositoryArgument() =>
        new("PATH") { Description = "Repository (holds talconfig.yaml and the GitOps tree; default: the -C directory, a relative PATH is taken from it)", Arity = ArgumentArity.ZeroOrOne };
}
