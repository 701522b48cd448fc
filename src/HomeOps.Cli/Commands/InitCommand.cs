using System.CommandLine;
using System.Net;
using HomeOps.Adapters.Files;
using HomeOps.Cli.Output;
using HomeOps.Compile.Init;
using HomeOps.Model;
using HomeOps.Model.Init;
using HomeOps.Model.Network;
using HomeOps.Operations.Init;

namespace HomeOps.Cli.Commands;

/// <summary>`homeops init`: a new operator's repository from a short spec, asked on the terminal or read from a file.</summary>
public static class InitCommand
{
    public static Command Create()
    {
        var directory = new Argument<string>("DIR") { Description = "Where to write the repository: an empty directory, or one init wrote before", DefaultValueFactory = _ => "." };
        var from = new Option<string>("--from") { Description = "Read the answers from a cluster spec (YAML, docs/getting-started.md) instead of asking (default in a repository init wrote: its cluster-spec.yaml)", HelpName = "SPEC" };
        var import = new Option<string>("--import") { Description = "Start from a talhelper user's talconfig.yaml: its cluster name, versions, VIP, node network, nodes, disks and ranges are taken, and only the rest is asked (needs a terminal)", HelpName = "TALCONFIG" };
        var diff = new Option<bool>("--diff") { Description = "Show, as a unified diff, what init would change in each file (including files you edited, which it keeps); write nothing" };
        var dryRun = CliOptions.DryRun("List what init would create, update and keep; write nothing");
        var schemaLocation = CliOptions.SchemaLocation();
        var command = new Command("init", """
            Write a new cluster repository from the few facts that differ between operators: cluster
            name, domains, nodes, network, VIP, BGP, load-balancer pools, storage SSD, optional parts,
            1Password vault and Git URL. Asks on the terminal with defaults, or reads --from SPEC.
            Every answer is checked before anything is written (overlapping ranges, a gateway or VIP
            outside the node network, duplicate addresses or MACs, VLAN/MTU/ASN ranges, half-configured
            BGP, ...), each refusal naming the field and the fix. The answers are kept as
            cluster-spec.yaml; running init again regenerates from it and never overwrites a file you
            edited (see --diff). Then runs `homeops check` on the result and prints the next steps.
            With --import talconfig.yaml, what your talhelper config already says is taken as the
            answers and only the rest is asked; its patches and schematics are named, not carried over.
            """) { directory, from, import, diff, dryRun, schemaLocation };
        command.SetAction(async (parse, cancel) =>
        {
            var target = Composition.Resolve(parse, parse.GetValue(directory)!);
            var workflow = new InitWorkflow(new DiskWorkspace(target, new GitCli()));
            workflow.CheckTarget();
            // Without --from, a repository init wrote is regenerated from the answers it kept.
            var imported = parse.GetValue(import) is { } talconfig ? Import(Composition.Resolve(parse, talconfig)) : null;
            if (imported is not null && parse.GetValue(from) is not null)
                throw new UsageException("--import and --from both give the answers: use one (--import asks what talconfig.yaml does not say)");
            var specFile = imported is not null ? null
                : parse.GetValue(from) is { } given ? Composition.Resolve(parse, given)
                : File.Exists(Path.Combine(target, RepositoryGenerator.SpecPath)) ? Path.Combine(target, RepositoryGenerator.SpecPath) : null;
            var (spec, specText) = specFile is not null ? Load(specFile) : await AskAsync(imported, cancel);
            var plan = workflow.Plan(RepositoryGenerator.Generate(spec, specText));

            if (parse.GetValue(diff))
            {
                foreach (var file in plan.Where(f => f.Action != FileAction.Unchanged))
                    Console.Write(UnifiedDiff.Of(file.Path, file.Current, file.Generated));
                return ExitCodes.Ok;
            }
            foreach (var file in plan)
                Console.WriteLine($"{Verb(file.Action, parse.GetValue(dryRun)),-22} {file.Path}");
            if (parse.GetValue(dryRun))
            {
                Console.WriteLine("dry run: nothing was written");
                return ExitCodes.Ok;
            }
            workflow.Apply(plan);
            var kept = plan.Count(f => f.Action == FileAction.KeepLocalEdit);
            if (kept > 0) Console.WriteLine($"kept {kept} file(s) you edited; `homeops init --diff` shows what init would have written");
            var orphaned = plan.Count(f => f.Action == FileAction.KeepNoLongerGenerated);
            if (orphaned > 0) Console.WriteLine($"kept {orphaned} file(s) init no longer writes but you edited; delete them if the spec left their part out on purpose");
            Console.WriteLine();
            var checkedOk = CheckCommand.Run(target, parse.GetValue(schemaLocation)) == ExitCodes.Ok;
            Console.WriteLine($"""

                Next (docs/getting-started.md walks through each):
                  cd {target}
                  git init && git add -A && git commit -m "{spec.Cluster.Name}: homeops init"
                  git remote add origin {spec.Git.Url} && git push -u origin HEAD:{spec.Git.Branch}   # Flux follows it
                  homeops talos gensecret          # the cluster's secrets, kept out of Git
                  homeops talos schematic          # registers the nodes' installer image with the Image Factory
                  homeops bootstrap --dry-run      # every command bootstrap will run, in order
                """);
            return checkedOk ? ExitCodes.Ok : ExitCodes.Findings;
        });
        return command.WhenInterrupted("nothing was written");
    }

    private static string Verb(FileAction action, bool dryRun) => (action, dryRun) switch
    {
        (FileAction.Create, false) => "created",
        (FileAction.Create, true) => "would create",
        (FileAction.Update, false) => "updated",
        (FileAction.Update, true) => "would update",
        (FileAction.Unchanged, _) => "unchanged",
        (FileAction.Remove, false) => "removed",
        (FileAction.Remove, true) => "would remove",
        (FileAction.KeepNoLongerGenerated, _) => "kept (edited, unused)",
        _ => "kept (your edit)",
    };

    private static (ClusterSpec, string) Load(string path)
    {
        if (!File.Exists(path)) throw new UsageException($"{path} not found (--from names a cluster spec; docs/getting-started.md shows one)");
        var text = File.ReadAllText(path);
        var findings = new FindingBag();
        var spec = SpecLoader.Load(text, Path.GetFileName(path), findings);
        return spec is null ? throw new HomeOpsException(findings.Sorted()) : (spec, text);
    }

    /// <summary>talconfig.yaml (with its .env/talenv.yaml variables) as the start of a spec; what it cannot say is asked.</summary>
    private static ClusterSpec Import(string path)
    {
        if (!File.Exists(path)) throw new UsageException($"{path} not found (--import names a talhelper talconfig.yaml)");
        var findings = new FindingBag();
        var spec = TalConfigImport.From(new DiskSourceTree(Path.GetDirectoryName(Path.GetFullPath(path))!), Path.GetFileName(path),
            Environment.GetEnvironmentVariables(), findings) ?? throw new HomeOpsException(findings.Sorted());
        foreach (var finding in findings.Sorted()) Console.Error.WriteLine(finding);
        return spec;
    }

    /// <summary>
    /// The interactive questions: only what differs between operators, with defaults that fit a typical home network. With
    /// <paramref name="imported"/> (from --import) its answers are the defaults, and its nodes are not asked again.
    /// </summary>
    private static async Task<(ClusterSpec, string)> AskAsync(ClusterSpec? imported, CancellationToken cancel)
    {
        if (Console.IsInputRedirected)
            throw new UsageException(imported is null
                ? "no terminal to ask on: pass --from SPEC (docs/getting-started.md has an example)"
                : "no terminal to ask what talconfig.yaml does not say (domains, load balancer, 1Password, Git): run it on a terminal, or write a spec and pass --from SPEC");
        var ask = new Prompter(Console.In, Console.Out, cancel);
        Console.WriteLine("homeops init: a few questions; Enter takes the default in [brackets], Ctrl-C stops without writing anything.\n");
        var spec = imported ?? new ClusterSpec();
        spec.Cluster.Name = await ask.AskAsync("Cluster name", imported?.Cluster.Name ?? "home", a => DnsName.IsLabel(a) ? null : "lowercase letters, digits and '-', e.g. home");
        spec.Domains.Internal = await ask.AskAsync("Internal domain (names only your home network resolves)", null, Domain);
        spec.Domains.External = await ask.AskOptionalAsync("Public domain (for the Cloudflare tunnel)", Domain);

        var network = spec.Network;
        network.NodeCidr = await ask.AskAsync("Node network", Given(network.NodeCidr) ?? "192.168.1.0/24", Ipv4Network);
        var nodes = Accepted(network.NodeCidr);
        network.Gateway = await ask.AskAsync("Gateway (the router on that network)", Given(network.Gateway) ?? Host(nodes, 1), a => Inside(a, nodes));
        network.Vip = await ask.AskAsync("Kubernetes API VIP (a free address the control planes share)", Given(network.Vip) ?? Host(nodes, 10), a => Inside(a, nodes));
        if (imported is null)
        {
            // what talconfig.yaml says already when importing; dual-stack is written in a spec (--from)
            var vlan = await ask.AskOptionalAsync("VLAN ID, only if the switch port delivers the node network tagged (none: an untagged port)", a => int.TryParse(a, out var v) && v is >= 1 and <= 4094 ? null : "a VLAN ID from 1 to 4094");
            network.Vlan = vlan is null ? null : int.Parse(vlan, System.Globalization.CultureInfo.InvariantCulture);
            network.Mtu = await ask.AskNumberAsync("MTU (9000 for jumbo frames)", network.Mtu, 576, 9216);
            network.PodCidr = await ask.AskAsync("Pod range", network.PodCidr, Ipv4Network);
            network.ServiceCidr = await ask.AskAsync("Service range", network.ServiceCidr, Ipv4Network);
        }

        if (spec.Nodes.Count > 0)
            Console.WriteLine($"nodes from talconfig.yaml: {string.Join(", ", spec.Nodes.Select(n => $"{n.Hostname} {n.Address}"))}");
        foreach (var node in spec.Nodes.Where(n => n.InstallDisk is { Model: null, Serial: null, Path: null }))
            node.InstallDisk = await AskDiskAsync(ask, node.Hostname);
        var count = spec.Nodes.Count > 0 ? 0 : await ask.AskNumberAsync("How many nodes", 3, 1, 50);
        for (var i = 1; i <= count; i++)
        {
            var node = new SpecNode { Hostname = await ask.AskAsync($"Node {i} hostname", $"node{i:00}", a => DnsName.IsLabel(a) ? null : "lowercase letters, digits and '-'") };
            node.Address = await ask.AskAsync($"{node.Hostname} address", Host(nodes, 10 + i), a => Inside(a, nodes));
            node.Mac = await ask.AskOptionalAsync($"{node.Hostname} MAC address (pins the interface; none: every physical port gets this address, fine with one port)",
                a => SpecChecks.IsMac(a) ? null : "six hex pairs joined by ':', e.g. 00:1b:63:84:45:e6");
            node.InstallDisk = await AskDiskAsync(ask, node.Hostname);
            spec.Nodes.Add(node);
        }

        var lb = spec.LoadBalancer;
        if (await ask.ConfirmAsync("Does your router speak BGP (routes LoadBalancer addresses to the cluster)?", false))
        {
            spec.Bgp = new SpecBgp
            {
                ClusterAsn = long.Parse(await ask.AskAsync("Cluster ASN", "64512", Asn), System.Globalization.CultureInfo.InvariantCulture),
                RouterAsn = long.Parse(await ask.AskAsync("Router ASN", "64513", Asn), System.Globalization.CultureInfo.InvariantCulture),
            };
            lb.Cidr = await ask.AskAsync("Range the router sends to the cluster", NextNetwork(nodes), a => Cidr.TryParseNetwork(a, out _) ? null : "a network with its host bits clear, e.g. 192.168.2.0/24");
        }
        else
            lb.Cidr = network.NodeCidr;
        var routed = Accepted(lb.Cidr);
        var pool = await ask.AskAsync("LoadBalancer address pool (first-last)", $"{Host(routed, 200)}-{Host(routed, 239)}",
            a => IpRange.TryParse(a, out _) ? null : "first-last with first ≤ last, e.g. 192.168.1.200-192.168.1.239");
        lb.Pools.Add(new SpecPool { Name = "default", Range = pool });
        var poolRange = IpRange.TryParse(pool, out var parsed) ? parsed : throw new InvalidOperationException($"the prompt accepted '{pool}'");
        lb.IngressAddress = await ask.AskAsync("Internal ingress address (from the pool)", poolRange.First.ToString(),
            a => Cidr.TryParseAddress(a, out var address) && poolRange.Contains(address) ? null : $"an address in {pool}");

        var components = spec.Components;
        components.CloudflareTunnel = spec.Domains.External is not null && await ask.ConfirmAsync("Cloudflare tunnel for public services", true);
        if (components.CloudflareTunnel)
            lb.PublicIngressAddress = await ask.AskAsync("Public ingress address (from the pool; the tunnel sends to it)", Host(poolRange.First, 1),
                a => Cidr.TryParseAddress(a, out var address) && poolRange.Contains(address) && a != lb.IngressAddress ? null : $"another address in {pool} than the internal ingress's");
        components.Longhorn = await ask.ConfirmAsync("Longhorn storage on one data SSD per node", true);
        if (components.Longhorn) spec.Storage.SsdModel = await ask.AskAsync("Data SSD model (as `talosctl get disks` shows it)", spec.Storage.SsdModel, _ => null);
        // Authentik is reached through the tunnel and keeps its database on Longhorn (SpecChecks says the same to --from)
        components.Sso = components.CloudflareTunnel && components.Longhorn && await ask.ConfirmAsync("Single sign-on with Authentik", true);
        components.Monitoring = await ask.ConfirmAsync("Prometheus and Grafana", true);
        spec.Onepassword.Vault = await ask.AskAsync("1Password vault holding the cluster's items", "homelab", _ => null);
        spec.Git.Url = await ask.AskAsync("Git repository Flux will follow (its public https URL)", null, _ => null);

        var text = RepositoryGenerator.ToYaml(spec);
        var findings = new FindingBag();
        var checkedSpec = SpecLoader.Load(text, RepositoryGenerator.SpecPath, findings);
        if (checkedSpec is not null) return (checkedSpec, text);
        Console.WriteLine($"\nThese answers do not fit together. Save them as {RepositoryGenerator.SpecPath}, fix the lines named below, and run `homeops init --from {RepositoryGenerator.SpecPath}`:\n");
        Console.WriteLine(text);
        throw new HomeOpsException(findings.Sorted());
    }

    /// <summary>A node's install disk: a /dev path, or a model pattern.</summary>
    private static async Task<SpecInstallDisk> AskDiskAsync(Prompter ask, string hostname)
    {
        var answer = await ask.AskAsync($"{hostname} install disk (a /dev path, or a model pattern as `talosctl get disks` shows it)", "/dev/nvme0n1", _ => null);
        return answer.StartsWith("/dev/", StringComparison.Ordinal) ? new SpecInstallDisk { Path = answer } : new SpecInstallDisk { Model = answer };
    }

    /// <summary>An imported answer, or null when talconfig.yaml did not say (the prompt's own default applies).</summary>
    private static string? Given(string value) => value.Length > 0 ? value : null;

    /// <summary>A network the prompt already accepted.</summary>
    private static IPNetwork Accepted(string cidr) =>
        Cidr.TryParseNetwork(cidr, out var network) ? network : throw new InvalidOperationException($"the prompt accepted '{cidr}'");

    private static string? Ipv4Network(string answer) =>
        Cidr.TryParseNetwork(answer, out var network) && !Cidr.IsV6(network) ? null : "an IPv4 network with its host bits clear, e.g. 192.168.1.0/24";

    private static string? Domain(string answer) => DnsName.IsDomain(answer) ? null : "a DNS domain: lowercase labels joined by dots, e.g. home.example.com";

    private static string? Asn(string answer) => long.TryParse(answer, out var asn) && asn is > 0 and <= 4294967294 ? null : "a number, e.g. 64512 (private ASNs: 64512-65534)";

    private static string? Inside(string answer, IPNetwork network) =>
        Cidr.TryParseAddress(answer, out var address) && network.Contains(address) ? null : $"an address inside {network}";

    /// <summary>The <paramref name="index"/>th address of <paramref name="network"/> ("192.168.1.10" for 10).</summary>
    private static string Host(IPNetwork network, int index) => Host(network.BaseAddress, index);

    /// <summary>A default the prompt offers (its check catches one that runs past the end of the network or pool).</summary>
    private static string Host(IPAddress start, int index)
    {
        var bytes = start.GetAddressBytes();
        bytes[^1] = (byte)(bytes[^1] + index);
        return new IPAddress(bytes).ToString();
    }

    /// <summary>The network of the same size right after <paramref name="network"/>: a natural LB range beside the node network.</summary>
    private static string NextNetwork(IPNetwork network)
    {
        var last = IpRange.Of(network).Last.GetAddressBytes();
        for (var i = last.Length - 1; i >= 0 && ++last[i] == 0; i--) { }
        return $"{new IPAddress(last)}/{network.PrefixLength}";
    }
}
