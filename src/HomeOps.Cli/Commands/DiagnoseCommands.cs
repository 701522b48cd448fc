using System.CommandLine;
using HomeOps.Adapters.Cluster;
using HomeOps.Adapters.Files;
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
        var kubeconfig = CommonOptions.Kubeconfig();
        var command = new Command("bgp", """
            Every BGP session of the live cluster against the plan the repository implies (the same
            expectation as `homeops bgp lab`): the session's state from `cilium bgp peers`, and the
            LoadBalancer routes each node should announce to each peer against `cilium bgp routes
            advertised`. Names every missing or unexpected route with its Service.
            Exit 0 when every session is established and announces exactly the plan, 1 otherwise.
            """) { kubeconfig };
        command.SetAction(parse =>
        {
            var root = parse.GetValue(CommonOptions.Repo)!;
            var config = CommonOptions.KubeconfigPath(parse, kubeconfig);
            var repo = new DiskRepository(new GitCli()).Load(root, Environment.GetEnvironmentVariables());
            var plan = LabPlan.From(repo);
            var cilium = new Cilium(CommonOptions.Runner());
            var peers = cilium.BgpPeersAsync(config, CancellationToken.None).GetAwaiter().GetResult();
            var routes = AddressFamilies.SelectMany(afi => cilium.AdvertisedRoutesAsync(afi, config, CancellationToken.None).GetAwaiter().GetResult()).ToList();
            var sessions = BgpDiagnosis.Compare(plan, peers, routes);
            foreach (var s in sessions)
            {
                Console.WriteLine($"{(s.Healthy ? "ok  " : "FAIL")} {s.Node,-10} {(s.IsV6 ? "IPv6" : "IPv4")} -> {s.Router}  {s.State}, {s.Advertised} route(s) advertised");
                foreach (var missing in s.Missing) Console.WriteLine($"       MISSING    {missing.Route}  {missing.Service.Description}");
                foreach (var extra in s.Unexpected) Console.WriteLine($"       UNEXPECTED {extra}  (no LoadBalancer Service in the repository has it)");
            }
            var failed = sessions.Count(s => !s.Healthy);
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
        var kubeconfig = CommonOptions.Kubeconfig();
        var format = Format();
        var command = new Command("ipv6", """
            Dual-stack, checked against talconfig.yaml and the LB-IPAM pools: every talconfig node's Node
            has its planned IPv4 and IPv6 InternalIP and a podCIDR of each family inside clusterPodNets;
            every Running pod on those nodes (not hostNetwork) has one IP of each family in the pod
            ranges; every Service's cluster IPs are in clusterSvcNets (both families for a dual-stack
            Service); every LoadBalancer IP is inside a CiliumLoadBalancerIPPool. Healthy pods and
            Services are counted on one line; each one that is not gets its own.
            """ + Verdicts) { kubeconfig, format };
        command.SetAction(parse => Diagnose(parse, format, repo =>
        {
            var cluster = new KubernetesClusterReaderFactory().Connect(CommonOptions.KubeconfigPath(parse, kubeconfig));
            return DualStackDiagnosis.Compare(DualStackPlan.From(repo), Read(cluster.NodesAsync), Read(cluster.PodsAsync), Read(cluster.ServicesAsync));
        }));
        return command;
    }

    private static Command Storage()
    {
        var kubeconfig = CommonOptions.Kubeconfig();
        var format = Format();
        var command = new Command("storage", """
            Longhorn against infrastructure/longhorn: each talconfig node's Longhorn node Ready and
            Schedulable with exactly one disk, at defaultDataPath (the USB SSD's mount), Ready and
            Schedulable, with free space (WARN under 20%, FAIL under 10%, where Longhorn stops
            scheduling); every volume healthy (degraded: WARN, faulted: FAIL) with at least
            defaultReplicaCount replicas. `homeops diagnose usb-ssd` checks the SSD underneath.
            """ + Verdicts) { kubeconfig, format };
        command.SetAction(parse => Diagnose(parse, format, repo =>
        {
            var plan = StoragePlan.From(repo)
                       ?? throw new DiagnosisInputException("the repository has no HelmRelease of chart longhorn, so there is no storage plan to compare with");
            var cluster = new KubernetesClusterReaderFactory().Connect(CommonOptions.KubeconfigPath(parse, kubeconfig));
            return StorageDiagnosis.Compare(plan, Read(cluster.LonghornNodesAsync), Read(cluster.LonghornVolumesAsync));
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
        command.SetAction(parse => Diagnose(parse, format, repo =>
        {
            var root = Path.GetFullPath(parse.GetValue(CommonOptions.Repo)!);
            var config = parse.GetValue(talosconfig) is { Length: > 0 } given ? Path.GetFullPath(given) : Path.Combine(root, repo.Talos!.TalosconfigPath);
            if (!File.Exists(config))
                throw new DiagnosisInputException($"no talosconfig at {config}; pass --talosconfig or run `homeops talos genconfig`");
            var plan = UsbSsdPlan.From(repo);
            var readings = SsdReading.ReadAsync(new Talosctl(CommonOptions.Runner()), plan, config, CancellationToken.None).GetAwaiter().GetResult();
            if (readings.Count > 0 && readings.All(r => r.Problem is not null))
                throw new ClusterUnreachableException($"no node answered talosctl: {string.Join("; ", readings.Select(r => r.Problem))}");
            return UsbSsdDiagnosis.Compare(plan, readings);
        }));
        return command;
    }

    private static Option<string> Format()
    {
        var format = new Option<string>("--format", "-o") { Description = "text or json", DefaultValueFactory = _ => "text" };
        format.AcceptOnlyFromAmong("text", "json");
        return format;
    }

    /// <summary>Loads the repository, runs one diagnosis and prints it; bad input and an unreachable cluster are exit 2 with the reason.</summary>
    private static int Diagnose(ParseResult parse, Option<string> format, Func<RepoModel, Diagnosis> diagnose)
    {
        var root = parse.GetValue(CommonOptions.Repo)!;
        Diagnosis diagnosis;
        try
        {
            if (!Directory.Exists(root)) throw new DiagnosisInputException($"no repository at {Path.GetFullPath(root)} (--repo)");
            var repo = new DiskRepository(new GitCli()).Load(root, Environment.GetEnvironmentVariables());
            if (repo.Talos is null)
                throw new DiagnosisInputException($"talconfig.yaml under {Path.GetFullPath(root)} did not load, so there is no plan to compare with; `homeops validate` says why");
            diagnosis = diagnose(repo);
        }
        catch (Exception e) when (e is DiagnosisInputException or ClusterUnreachableException)
        {
            Console.Error.WriteLine($"homeops: {e.Message}");
            return ExitCodes.Failure;
        }
        DiagnosisOutput.Print(diagnosis, parse.GetValue(format)!, Console.Out);
        return diagnosis.Healthy ? ExitCodes.Ok : ExitCodes.Findings;
    }

    private static T Read<T>(Func<CancellationToken, Task<T>> read) => read(CancellationToken.None).GetAwaiter().GetResult();
}
