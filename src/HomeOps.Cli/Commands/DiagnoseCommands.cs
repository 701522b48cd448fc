using System.CommandLine;
using HomeOps.Adapters.Cluster;
using HomeOps.Adapters.Tools;
using HomeOps.Cli.Output;
using HomeOps.Compile.Bgp;
using HomeOps.Compile.Repository;
using HomeOps.Operations.Diagnose;
using HomeOps.Operations.Observe;


namespace HomeOps.Cli.Commands;

public static class DiagnoseCommands
{
    private static readonly string[] AddressFamilies = ["ipv4", "ipv6"];

    public static Command Create()
    {
        var diagnose = new Command("diagnose", "Check a live cluster against what the repository says it should be, with the evidence.");
        diagnose.Subcommands.Add(Bgp());
        diagnose.Subcommands.Add(Ipv6());
        diagnose.Subcommands.Add(Storage());
        diagnose.Subcommands.Add(UsbSsd());
        return diagnose;
    }

    private static Command Bgp()
    {
        var format = Format();
        var command = new Command("bgp", """
            Every BGP session of the live cluster against the plan the repository implies (the same
            expectation as `homeops bgp lab`): the session's state from `cilium bgp peers`, and the
            LoadBalancer routes each node should announce to each peer against `cilium bgp routes
            advertised`. Names every missing or unexpected route with its Service.
            Exit 0 when every session is established and announces exactly the plan, 1 otherwise,
            2 when the cilium CLI is missing. --format json prints the sessions for scripts (docs/diagnose.md).
            """) { format };
        command.SetAction(async (parse, cancel) =>
        {
            var config = Composition.KubeconfigPath(parse);
            var repo = Composition.LoadRepository(Composition.ExistingRoot(parse));
            var plan = LabPlan.From(repo);
            var cilium = new Cilium(Composition.Runner());
            var nodes = BgpDiagnosis.Nodes(plan);
            var peers = await cilium.BgpPeersAsync(config, nodes, cancel);
            var v4 = await cilium.AdvertisedRoutesAsync(AddressFamilies[0], config, nodes, cancel);
            var v6 = await cilium.AdvertisedRoutesAsync(AddressFamilies[1], config, nodes, cancel);
            var sessions = BgpDiagnosis.Compare(plan, peers, v4, v6);
            var failed = sessions.Count(s => !s.Healthy);
            if (parse.GetValue(format) == "json")
            {
                Console.WriteLine(DiagnosisOutput.Serialize(DiagnosisOutput.Json(sessions)));
                return failed == 0 ? ExitCodes.Ok : ExitCodes.Findings;
            }
            foreach (var s in sessions)
            {
                if (s.Unanswered is not null)
                {
                    Console.WriteLine($"FAIL {s.Node,-10} {(s.IsV6 ? "IPv6" : "IPv4")} -> {s.Router}  not answered: {s.Unanswered}");
                    continue;
                }
                Console.WriteLine($"{(s.Healthy ? "ok  " : "FAIL")} {s.Node,-10} {(s.IsV6 ? "IPv6" : "IPv4")} -> {s.Router}  {s.State}, {s.Advertised} route(s) advertised");
                foreach (var missing in s.Missing) Console.WriteLine($"       MISSING    {missing.Route}  {missing.Service.Description}");
                foreach (var extra in s.Unexpected) Console.WriteLine($"       UNEXPECTED {extra}  (no LoadBalancer Service in the repository has it)");
            }
            Console.WriteLine(failed == 0
                ? $"ok: {sessions.Count} sessions established, every LoadBalancer route announced as planned"
                : $"{failed} of {sessions.Count} sessions are not as planned; `homeops validate --rule bgp/` checks the repository side, `homeops bgp lab` replays it with real speakers");
            return failed == 0 ? ExitCodes.Ok : ExitCodes.Findings;
        });
        return command;
    }

    // ---- ipv6, storage, usb-ssd: one verdict per check, the evidence, a final line; exit 0 healthy, 1 findings, 2 bad input ----

    private const string Verdicts = """


        Each line is a check: ok, WARN (look at it soon) or FAIL (broken now), what it looked at, what
        it saw, and under a finding what the repository expects. The last line is the verdict.
        Exit 0 when every check is ok, 1 when any is WARN or FAIL, 2 when the repository lacks what is
        compared or the cluster does not answer. --format json prints the same checks for scripts
        (docs/diagnose.md).
        """;

    private static Command Ipv6()
    {
        var format = Format();
        var command = new Command("ipv6", """
            Dual-stack, checked against talconfig.yaml and the LB-IPAM pools: every talconfig node's Node
            has its planned IPv4 and IPv6 InternalIP and a podCIDR of each family inside clusterPodNets;
            every Running pod on those nodes (not hostNetwork) has one IP of each family in the pod
            ranges; every Service's cluster IPs are in clusterSvcNets (both families for a dual-stack
            Service); every LoadBalancer IP is inside a CiliumLoadBalancerIPPool. Healthy pods and
            Services are counted on one line; each one that is not gets its own.
            """ + Verdicts) { format };
        command.SetAction((parse, cancel) => DiagnoseAsync(parse, format, async repo =>
        {
            var cluster = Connect(parse);
            return DualStackDiagnosis.Compare(DualStackPlan.From(repo), await cluster.NodesAsync(cancel), await cluster.PodsAsync(cancel), await cluster.ServicesAsync(cancel));
        }));
        return command;
    }

    private static Command Storage()
    {
        var format = Format();
        var command = new Command("storage", """
            Longhorn against infrastructure/longhorn: each talconfig node's Longhorn node Ready and
            Schedulable with exactly one disk, at defaultDataPath (the USB SSD's mount), Ready and
            Schedulable, with free space (WARN under 20%, FAIL under 10%, where Longhorn stops
            scheduling); every volume healthy (degraded: WARN, faulted: FAIL) with at least
            defaultReplicaCount replicas. `homeops diagnose usb-ssd` checks the SSD underneath.
            """ + Verdicts) { format };
        command.SetAction((parse, cancel) => DiagnoseAsync(parse, format, async repo =>
        {
            var plan = StoragePlan.From(repo)
                       ?? throw new DiagnosisInputException("the repository has no HelmRelease of chart longhorn, so there is no storage plan to compare with");
            var cluster = Connect(parse);
            return StorageDiagnosis.Compare(plan, await cluster.LonghornNodesAsync(cancel), await cluster.LonghornVolumesAsync(cancel));
        }));
        return command;
    }

    private static Command UsbSsd()
    {
        var talosconfig = new Option<string>("--talosconfig")
        {
            Description = "talosconfig to reach the nodes with (default: the one `homeops talos genconfig` wrote, talos/clusterconfig/talosconfig)",
        };
        var format = Format();
        var command = new Command("usb-ssd", """
            The Longhorn SSD of every node, through talosctl (`get disks`, `get volumestatus`,
            `get mountstatus`): the disk whose model talconfig's userVolumes disk selector names
            (e.g. disk.model == "Portable SSD T5") is present, on the usb transport, at least minSize;
            the user volume (u-NAME) on it is ready; and it is mounted at /var/mnt/NAME, which must
            be Longhorn's defaultDataPath. A node that does not answer is a FAIL; none answering is
            exit 2.
            """ + Verdicts) { talosconfig, format };
        command.SetAction((parse, cancel) => DiagnoseAsync(parse, format, async repo =>
        {
            var config = parse.GetValue(talosconfig) is { Length: > 0 } given ? Composition.Resolve(parse, given) : Path.Combine(repo.Root, repo.Talos!.TalosconfigPath);
            if (!File.Exists(config))
                throw new DiagnosisInputException($"no talosconfig at {config}; pass --talosconfig or run `homeops talos genconfig`");
            var plan = UsbSsdPlan.From(repo);
            var readings = await SsdReading.ReadAsync(new Talosctl(Composition.Runner()), plan, config, cancel);
            if (readings.Count > 0 && readings.All(r => r.Problem is not null))
                throw new ClusterUnreachableException($"no node answered talosctl: {string.Join("; ", readings.Select(r => r.Problem))}");
            return UsbSsdDiagnosis.Compare(plan, readings);
        }));
        return command;
    }

    private static Option<string> Format() => CliOptions.Format("How to print the checks: text for people, json for scripts (docs/diagnose.md)", "text", "json");

    private static IClusterReader Connect(ParseResult parse) => new KubernetesClusterReaderFactory().Connect(Composition.KubeconfigPath(parse));

    /// <summary>Loads the repository, runs one diagnosis and prints it; bad input and an unreachable cluster are exit 2 with the reason.</summary>
    private static async Task<int> DiagnoseAsync(ParseResult parse, Option<string> format, Func<RepoModel, Task<Diagnosis>> diagnose)
    {
        var repo = Composition.LoadRepository(Composition.ExistingRoot(parse));
        if (repo.Talos is null)
            throw new DiagnosisInputException($"talconfig.yaml under {repo.Root} did not load, so there is no plan to compare with; `homeops validate` says why");
        Diagnosis diagnosis;
        // a diagnosis needs the cluster's answer: without it there is nothing to judge, which is bad input here, not a finding
        try { diagnosis = await diagnose(repo); }
        catch (ClusterUnreachableException e) { throw new DiagnosisInputException(e.Message); }
        DiagnosisOutput.Print(diagnosis, parse.GetValue(format)!, Console.Out);
        return diagnosis.Healthy ? ExitCodes.Ok : ExitCodes.Findings;
    }
}
