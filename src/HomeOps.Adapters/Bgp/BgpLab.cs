using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using HomeOps.Compile.Bgp;

namespace HomeOps.Adapters.Bgp;

/// <summary>One session as the lab's router saw it.</summary>
public sealed record LabSession(BgpSession Session, string State);

/// <summary>The lab's outcome: sessions, what the router learned and from whom, and the difference to the plan.</summary>
public sealed record LabReport(IReadOnlyList<LabSession> Sessions, IReadOnlyDictionary<IPNetwork, IReadOnlyList<string>> Learned,
    IReadOnlyList<IPNetwork> Missing, IReadOnlyList<IPNetwork> Unexpected, TimeSpan Settle)
{
    public bool Ok => Sessions.All(s => s.State == "Established") && Missing.Count == 0 && Unexpected.Count == 0;
}

/// <summary>
/// Builds the cluster's BGP picture on this machine with real speakers: a network namespace per
/// node and one for the router, joined by veth pairs to a bridge in the router's namespace that
/// carries the node network (IPv4 and IPv6); FRR's bgpd (no zebra) with the generated router
/// config in the router's namespace, GoBGP's gobgpd in every node's. Every name carries a prefix
/// with this process's id; <see cref="Dispose"/> kills what was started and deletes the
/// namespaces (their veth ends go with them), and <see cref="CleanStale"/> removes labs whose owner
/// died without tearing down (SIGKILL).
/// </summary>
public sealed class BgpLab : IDisposable
{
    public const string Prefix = "hbl";
    private readonly LabPlan _plan;
    private readonly string _work;
    private readonly string _tag = $"{Prefix}{Environment.ProcessId}";
    private readonly List<string> _namespaces = [];
    private readonly List<Process> _processes = [];
    private readonly Action<string> _log;
    // creating a namespace or a speaker and tearing down exclude each other: a SIGTERM handler's
    // teardown runs beside the main thread, which must neither create more nor exit before it ends
    private readonly Lock _gate = new();
    private bool _disposed;

    public BgpLab(LabPlan plan, Action<string> log)
    {
        _plan = plan;
        _log = log;
        _work = Directory.CreateTempSubdirectory("homeops-bgp-lab-").FullName;
    }

    private string RouterNs => $"{_tag}-r";
    private string NodeNs(int i) => $"{_tag}-n{i}";

    public LabReport Run(TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        var topology = _plan.Topology;
        AddNamespace(RouterNs);
        InNs(RouterNs, "ip", "link", "set", "lo", "up");
        InNs(RouterNs, "ip", "link", "add", "br0", "type", "bridge");
        InNs(RouterNs, "ip", "link", "set", "br0", "up");
        InNs(RouterNs, "sysctl", "-qw", "net.ipv6.conf.all.accept_dad=0", "net.ipv6.conf.default.accept_dad=0");
        foreach (var address in topology.RouterAddresses)
            InNs(RouterNs, "ip", ["addr", "add", $"{address}/{PrefixFor(address)}", "dev", "br0", .. Nodad(address)]);
        var nodes = topology.Sessions.Select(s => s.Node).Distinct().ToList();
        for (var i = 0; i < nodes.Count; i++)
        {
            var ns = NodeNs(i);
            AddNamespace(ns);
            InNs(ns, "sysctl", "-qw", "net.ipv6.conf.all.accept_dad=0", "net.ipv6.conf.default.accept_dad=0");
            Ip("link", "add", $"{_tag}a{i}", "netns", ns, "type", "veth", "peer", "name", $"{_tag}b{i}", "netns", RouterNs);
            InNs(ns, "ip", "link", "set", $"{_tag}a{i}", "name", "eth0");
            InNs(ns, "ip", "link", "set", "lo", "up");
            InNs(ns, "ip", "link", "set", "eth0", "up");
            InNs(RouterNs, "ip", "link", "set", $"{_tag}b{i}", "master", "br0", "up");
            foreach (var address in nodes[i].Addresses.Where(a => a.Network.PrefixLength < (a.IsV6 ? 128 : 32)))
                InNs(ns, "ip", ["addr", "add", $"{address.Address}/{address.Network.PrefixLength}", "dev", "eth0", .. Nodad(address.Address)]);
        }

        var config = Path.Combine(_work, "frr.conf");
        File.WriteAllText(config, RouterConfig.Render(topology, RouterFlavour.Frr));
        // bgpd drops to Debian's frr user (root is not in its vty group): it writes its pid, socket and log here
        Check(Run("chown", "frr:frr", _work));
        Start(RouterNs, "/usr/lib/frr/bgpd", "-Z", "-u", "frr", "-g", "frr", "-f", config, "-i", Path.Combine(_work, "bgpd.pid"),
            "--vty_socket", _work, "--log", $"file:{Path.Combine(_work, "bgpd.log")}");
        WaitFor(() => File.Exists(Path.Combine(_work, "bgpd.vty")), TimeSpan.FromSeconds(10), "bgpd did not start (see bgpd.log)");

        for (var i = 0; i < nodes.Count; i++)
        {
            var toml = Path.Combine(_work, $"gobgp-{nodes[i].Hostname}.toml");
            File.WriteAllText(toml, _plan.GoBgpConfig(nodes[i]));
            Start(NodeNs(i), "gobgpd", "-f", toml, "-t", "toml", "--api-hosts", "127.0.0.1:50051", "--log-plain");
        }
        for (var i = 0; i < nodes.Count; i++)
        {
            var ns = NodeNs(i);
            WaitFor(() => Run("ip", "netns", "exec", ns, "gobgp", "-u", "127.0.0.1", "-p", "50051", "global").ExitCode == 0, TimeSpan.FromSeconds(10), $"gobgpd of {nodes[i].Hostname} did not start");
            foreach (var route in _plan.Originated(nodes[i]))
                InNs(ns, "gobgp", "-u", "127.0.0.1", "-p", "50051", "global", "rib", "add", "-a", route.BaseAddress.AddressFamily == AddressFamily.InterNetworkV6 ? "ipv6" : "ipv4", route.ToString());
        }

        LabReport report;
        do
        {
            Thread.Sleep(200);
            report = Observe(clock.Elapsed);
        } while (!report.Ok && clock.Elapsed < timeout);
        return report;
    }

    private LabReport Observe(TimeSpan elapsed)
    {
        var summary = Vtysh("show bgp summary json");
        var states = new Dictionary<string, string>();
        foreach (var family in new[] { "ipv4Unicast", "ipv6Unicast" })
            foreach (var (address, peer) in summary?[family]?["peers"] as JsonObject ?? [])
                states[address] = peer?["state"]?.GetValue<string>() ?? "?";
        var sessions = _plan.Topology.Sessions.Select(s => new LabSession(s,
            !s.ActivatesOwnFamily ? "no family negotiated" : states.GetValueOrDefault(s.NodeAddress.ToString(), "Idle"))).ToList();
        var learned = new Dictionary<IPNetwork, IReadOnlyList<string>>();
        foreach (var afi in new[] { "ipv4", "ipv6" })
            foreach (var (prefix, paths) in Vtysh($"show bgp {afi} unicast json")?["routes"] as JsonObject ?? [])
                if (IPNetwork.TryParse(prefix, out var network))
                    learned[network] = (paths as JsonArray ?? []).Select(p => p?["peerId"]?.GetValue<string>() ?? "?").ToList();
        var expected = _plan.Expected;
        return new LabReport(sessions, learned, expected.Where(e => !learned.ContainsKey(e)).ToList(),
            learned.Keys.Where(k => !expected.Contains(k)).ToList(), elapsed);
    }

    private JsonNode? Vtysh(string command)
    {
        var result = Run("ip", "netns", "exec", RouterNs, "vtysh", "--vty_socket", _work, "-d", "bgpd", "-c", command);
        try { return result.ExitCode == 0 ? JsonNode.Parse(result.Output) : null; }
        catch (System.Text.Json.JsonException) { return null; }
    }

    private int PrefixFor(IPAddress router) =>
        _plan.Topology.Nodes.SelectMany(n => n.Addresses).FirstOrDefault(a => a.Network.Contains(router) && a.Network.PrefixLength < (a.IsV6 ? 128 : 32))?.Network.PrefixLength
        ?? (router.AddressFamily == AddressFamily.InterNetworkV6 ? 64 : 24);

    private static string[] Nodad(IPAddress address) => address.AddressFamily == AddressFamily.InterNetworkV6 ? ["nodad"] : [];

    private void AddNamespace(string ns)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _namespaces.Add(ns); // listed first: a teardown racing with the add still deletes it
            Ip("netns", "add", ns);
        }
    }

    private void Start(string ns, string file, params string[] arguments)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            StartLocked(ns, file, arguments);
        }
    }

    private void StartLocked(string ns, string file, string[] arguments)
    {
        var info = new ProcessStartInfo("ip") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in (string[])["netns", "exec", ns, file, .. arguments]) info.ArgumentList.Add(a);
        var process = Process.Start(info)!;
        var name = Path.GetFileName(file);
        var output = Path.Combine(_work, $"{ns}-{name}.log");
        _ = process.StandardOutput.BaseStream.CopyToAsync(File.Create(output));
        _ = process.StandardError.BaseStream.CopyToAsync(File.Create(output + ".err"));
        _processes.Add(process);
    }

    private static void WaitFor(Func<bool> condition, TimeSpan timeout, string failure)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > timeout) throw new InvalidOperationException(failure);
            Thread.Sleep(50);
        }
    }

    private static void Ip(params string[] arguments) => Check(Run("ip", arguments));

    private static void InNs(string ns, string file, params string[] arguments) => Check(Run("ip", ["netns", "exec", ns, file, .. arguments]));

    private static void Check((int ExitCode, string Output) result)
    {
        if (result.ExitCode != 0) throw new InvalidOperationException(result.Output.Trim());
    }

    private static (int ExitCode, string Output) Run(string file, params string[] arguments)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in arguments) info.ArgumentList.Add(a);
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        return (process.ExitCode, stdout.Result + stderr.Result);
    }

    public string WorkDirectory => _work;

    /// <summary>Kills every speaker started, deletes every namespace created (veth ends go with them). Safe to call twice.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            TearDown();
        }
    }

    private void TearDown()
    {
        foreach (var process in _processes)
        {
            try { if (!process.HasExited) process.Kill(entireProcessTree: true); process.WaitForExit(5000); }
            catch (InvalidOperationException) { }
        }
        foreach (var ns in _namespaces) Run("ip", "netns", "del", ns);
        if (Environment.GetEnvironmentVariable("HOMEOPS_LAB_KEEP") != "1")
            try { Directory.Delete(_work, recursive: true); } catch (IOException) { }
        _log($"lab torn down ({_namespaces.Count} namespaces, {_processes.Count} speakers)");
    }

    /// <summary>Labs left by an owner that no longer runs (killed with SIGKILL): their namespaces, and the speakers inside them.</summary>
    public static IReadOnlyList<string> CleanStale()
    {
        var cleaned = new List<string>();
        foreach (var line in Run("ip", "netns", "list").Output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var ns = line.Split(' ')[0];
            if (!ns.StartsWith(Prefix, StringComparison.Ordinal) || ns.IndexOf('-') is var dash && dash < 0) continue;
            if (!int.TryParse(ns[Prefix.Length..dash], out var owner) || owner == Environment.ProcessId || Alive(owner)) continue;
            foreach (var pid in Run("ip", "netns", "pids", ns).Output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
                Run("kill", "-9", pid.Trim());
            Run("ip", "netns", "del", ns);
            cleaned.Add(ns);
        }
        return cleaned;
    }

    private static bool Alive(int pid)
    {
        try { return !Process.GetProcessById(pid).HasExited; }
        catch (ArgumentException) { return false; }
    }
}
