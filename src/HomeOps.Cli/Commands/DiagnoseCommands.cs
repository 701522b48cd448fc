using System.CommandLine;
using HomeOps.Core.Compile.Bgp;
using HomeOps.Core.Edge;
using HomeOps.Core.Edge.Tools;
using HomeOps.Core.Orchestrate.Diagnostics;

namespace HomeOps.Cli.Commands;

public static class DiagnoseCommands
{
    public static Command Create()
    {
        var diagnose = new Command("diagnose", "Check a live cluster against what the repository says it should be, with the evidence.");
        diagnose.Subcommands.Add(Bgp());
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
            var repo = new RepoLoader(new GitCli()).Load(root, Environment.GetEnvironmentVariables());
            var plan = LabPlan.From(repo);
            var cilium = new Cilium(CommonOptions.Runner());
            var peers = cilium.BgpPeersAsync(config, CancellationToken.None).GetAwaiter().GetResult();
            var routes = new[] { "ipv4", "ipv6" }.SelectMany(afi => cilium.AdvertisedRoutesAsync(afi, config, CancellationToken.None).GetAwaiter().GetResult()).ToList();
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
}
