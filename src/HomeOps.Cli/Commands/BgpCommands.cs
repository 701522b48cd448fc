using System.CommandLine;
using HomeOps.Core.Compile.Bgp;
using HomeOps.Core.Edge;

namespace HomeOps.Cli.Commands;

public static class BgpCommands
{
    public static Command Create()
    {
        var bgp = new Command("bgp", "The router side of the cluster's BGP sessions (docs/bgp.md).");
        bgp.Subcommands.Add(RouterConfigCommand());
        return bgp;
    }

    private static Command RouterConfigCommand()
    {
        var path = new Argument<string>("PATH") { Description = "Repository (holds talconfig.yaml and the GitOps tree)", DefaultValueFactory = _ => "." };
        var format = new Option<string>("--format", "-o") { Description = "frr (a complete frr.conf) or unifi (the text for the UDM's BGP upload)", DefaultValueFactory = _ => "frr" };
        format.AcceptOnlyFromAmong("frr", "unifi");
        var command = new Command("router-config", """
            Print the router's BGP configuration (FRR syntax) for the cluster, generated from
            talconfig.yaml (node addresses, both families) and the CiliumBGPClusterConfig,
            CiliumBGPPeerConfig and CiliumLoadBalancerIPPool objects: one eBGP neighbor per node
            address per peer family, that family activated, inbound only /32 and /128 routes inside
            the LB pools, outbound nothing, the peer config's timers, graceful restart.
            """) { path, format };
        command.SetAction(parse =>
        {
            var root = parse.GetValue(path)!;
            if (!Directory.Exists(root))
            {
                Console.Error.WriteLine($"homeops: {root} is not a directory");
                return ExitCodes.Failure;
            }
            var repo = new RepoLoader(new GitCli()).Load(root, Environment.GetEnvironmentVariables());
            var flavour = parse.GetValue(format) == "unifi" ? RouterFlavour.Unifi : RouterFlavour.Frr;
            Console.Out.Write(RouterConfig.Render(BgpTopology.From(repo), flavour));
            return ExitCodes.Ok;
        });
        return command;
    }
}
