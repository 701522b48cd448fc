using System.Diagnostics;
using HomeOps.Adapters.Files;
using HomeOps.Compile.Bootstrap;
using HomeOps.Tests.Support;
using Xunit.Abstractions;
using Process = System.Diagnostics.Process;

namespace HomeOps.Tests.Bootstrap;

/// <summary>
/// The whole bootstrap through the real CLI: stand-in tools on PATH, a real API server whose controllers the test plays,
/// realistic timing scaled down a hundredfold (nodes 20–60 s away after apply-config, etcd 30 s to start, Helm installs of
/// three minutes, Flux a minute), and SIGKILL at exact points of the run's own progress, never at a moment in wall time:
/// <list type="bullet">
/// <item>at a tool call — the n-th call of a tool (and command) the run makes in a phase, before it takes effect or after it
/// took effect but before homeops read its answer: the stand-in kills the run's process group itself (the `kill` knob,
/// tests/standins/README.md), so the kill lands on that call however busy the machine is;</item>
/// <item>in a wait on the API server, where no tool runs: the test's cluster holds back what the phase waits for (nodes
/// registering, nodes Ready, the root Kustomization Ready), so the run cannot leave the phase, and the test kills it after
/// it has polled n times.</item>
/// </list>
/// Every phase gets kills, each followed by `--resume`; a kill point the run never reaches fails the test at once as missed.
/// In the end the cluster must be whole, with etcd bootstrapped exactly once, no insecure apply to a configured node and
/// nothing fetched from the internet.
/// </summary>
[Collection("apiserver")]
[Trait(Category.Name, Category.EndToEnd)]
public sealed class BootstrapKillTests(ApiServerFixture api, ITestOutputHelper output)
{
    private const int Seed = 20261125;
    private const double Scale = 0.01; // 100 s of the real world is 1 s here

    private static readonly Dictionary<string, string> Hostnames = new()
    {
        ["172.29.51.11"] = "mini01",
        ["172.29.51.12"] = "mini02",
        ["172.29.51.13"] = "mini03",
    };

    /// <summary>Real-world durations (seconds), scaled.</summary>
    private static string Knobs(string kubeconfig, Random random)
    {
        var knobs = System.Text.Json.Nodes.JsonNode.Parse("""
            {
              "delay": [
                {"tool": "talosctl", "command": "apply-config", "seconds": 0},
                {"tool": "talosctl", "command": "bootstrap", "seconds": 0},
                {"tool": "talosctl", "command": "kubeconfig", "seconds": 0},
                {"tool": "helm", "command": "upgrade", "seconds": 0},
                {"tool": "flux", "command": "install", "seconds": 0},
                {"tool": "kubectl", "command": "apply", "seconds": 0},
                {"tool": "op", "command": "item get", "seconds": 0}
              ],
              "talos": {"rebootSeconds": {}, "etcdStartSeconds": 0},
              "cilium": {"notReadyCalls": 3, "bgpPeers": {
                "mini01": [{"peerAddress": "172.29.51.1", "peerAsn": 64513, "localAsn": 64512, "state": "established", "advertised": 3}],
                "mini02": [{"peerAddress": "172.29.51.1", "peerAsn": 64513, "localAsn": 64512, "state": "established", "advertised": 3}],
                "mini03": [{"peerAddress": "172.29.51.1", "peerAsn": 64513, "localAsn": 64512, "state": "established", "advertised": 3}]}},
              "op": {"items": {"homelab": {
                "1Password Connect Credentials - home-ops": {},
                "1Password Connect Token - home-ops": {"token": "eyJhbGciOiJFUzI1NiJ9.test"}}}}
            }
            """)!;
        double[] seconds = [5, 10, 3, 180, 60, 5, 2]; // apply-config, bootstrap, kubeconfig, helm upgrade --wait, flux install, kubectl apply, op
        for (var i = 0; i < seconds.Length; i++) knobs["delay"]![i]!["seconds"] = seconds[i] * Scale;
        foreach (var ip in Hostnames.Keys) knobs["talos"]!["rebootSeconds"]![ip] = random.Next(20, 61) * Scale; // install + reboot
        knobs["talos"]!["etcdStartSeconds"] = 30 * Scale;
        knobs["talos"]!["kubeconfig"] = kubeconfig;
        knobs["op"]!["items"]!["homelab"]!["1Password Connect Credentials - home-ops"]!["credentials"] = BootstrapHarness.ValidCredentials;
        return knobs.ToJsonString();
    }

    /// <summary>
    /// One kill: in <paramref name="Phase"/>, at the <paramref name="Call"/>-th call of <paramref name="Tool"/>
    /// <paramref name="Command"/> (any tool when null) the run makes in that phase, before it takes effect or, with
    /// <paramref name="After"/>, once it took effect; or, with <paramref name="Waits"/> &gt; 0, after the run polled that many
    /// times in the phase's wait, which <paramref name="Hold"/> keeps from ending.
    /// </summary>
    private sealed record Kill(string Phase, string? Tool = null, string? Command = null, int Call = 1, bool After = false, int Waits = 0,
        Action<ClusterSimulator>? Hold = null)
    {
        public override string ToString() => Waits > 0
            ? $"{Phase}: after {Waits} poll(s) of its wait"
            : $"{Phase}: {(After ? "after" : "before")} call {Call} of {(Tool is null ? "any tool" : $"{Tool} {Command}")}";
    }

    /// <summary>
    /// Where to kill, in phase order. Each point is one the run reaches whatever came before: a phase's postcondition check
    /// runs on every visit (its calls are always made); a phase's own work only while it is not done, so those points come
    /// first, "before" ahead of "after". The cluster holds nodes unregistered until the wait-nodes kills are done, the root
    /// Kustomization until the flux wait kill, and nodes NotReady until the verify wait kill.
    /// </summary>
    private static readonly Kill[] Schedule =
    [
        new("preflight", Call: 2),
        new("preflight", "talosctl", "get machinestatus", 2, After: true),
        new("talos-config", "talosctl", "apply-config", 1),
        new("talos-config", "talosctl", "apply-config", 2, After: true), // a node installs and reboots, homeops does not know
        new("talos-config", "talosctl", "get machinestatus", 2), // the postcondition, with nodes still rebooting
        new("etcd-bootstrap", "talosctl", "bootstrap", 1),
        new("etcd-bootstrap", "talosctl", "bootstrap", 1, After: true), // etcd bootstrapped, homeops does not know
        new("etcd-bootstrap", "talosctl", "get services", 1),
        new("kubeconfig", "talosctl", "kubeconfig", 1),
        new("kubeconfig", "talosctl", "kubeconfig", 1, After: true),
        new("wait-nodes", Waits: 1),
        new("wait-nodes", Waits: 2, Hold: c => c.NodesToRegister = 1),
        new("cilium", "helm", "upgrade", 1, Hold: c => c.NodesToRegister = int.MaxValue),
        new("cilium", "helm", "upgrade", 1, After: true), // Cilium installed, homeops does not know
        new("cilium", "helm", "status", 1),
        new("onepassword", "op", "item get", 1),
        new("onepassword", "op", "item get", 2, After: true),
        new("external-secrets", "helm", "upgrade", 1, After: true),
        new("external-secrets", "helm", "status", 1),
        new("flux", "flux", "install", 1),
        new("flux", "kubectl", "apply", 1, After: true),
        new("flux", Waits: 1),
        new("verify", "cilium", "status", 1, Hold: c => c.RootReady = true),
        new("verify", Waits: 1),
        new("verify", "cilium", "bgp peers", 1, After: true, Hold: c => c.NodesReady = true),
    ];

    [SkippableFact]
    public async Task Killed_in_every_phase_resume_always_finishes_with_etcd_bootstrapped_once()
    {
        api.Require();
        await api.InstallFluxCrdsAsync();
        using var h = new BootstrapHarness();
        using var standIns = new StandIns();
        var random = new Random(Seed);
        standIns.SetKnobs(Knobs(api.KubeconfigPath, random));
        // held until the schedule's kills in those waits are done (Kill.Hold opens them)
        await using var cluster = new ClusterSimulator(api.Client, standIns, Hostnames) { NodesToRegister = 0, RootReady = false, NodesReady = false };
        var environment = standIns.Environment.ToDictionary();
        environment["HOMEOPS_OFFLINE"] = "1";
        var logPath = Path.Combine(h.Root, ".homeops", "bootstrap.log");

        var killedIn = new List<string>();
        for (var i = 0; i < Schedule.Length; i++)
        {
            var point = Schedule[i];
            point.Hold?.Invoke(cluster);
            var knobs = standIns.Knobs;
            knobs.Remove("kill");
            if (point.Waits == 0)
            {
                knobs["kill"] = new System.Text.Json.Nodes.JsonObject
                {
                    ["id"] = $"k{i}",
                    ["phase"] = point.Phase,
                    ["tool"] = point.Tool,
                    ["command"] = point.Command,
                    ["call"] = point.Call,
                    ["when"] = point.After ? "after" : "before",
                    ["log"] = logPath,
                };
            }
            standIns.Knobs = knobs;
            var log = new EventLog(logPath);
            using var run = Start(h.Root, environment, resume: i > 0);
            string Missed(string why) => $"kill {i + 1} of {Schedule.Length} missed ({point}): {why}; the run exited {run.Process.ExitCode}\n{run.Stdout}\n{run.Stderr}";
            if (point.Waits > 0)
            {
                // the cluster holds what the phase waits for, so the run stays in this wait until killed: no race
                while (log.Since().SkipWhile(e => !(e.Event == "phase-started" && e.Phase == point.Phase))
                    .Count(e => e.Event == "waiting" && e.Phase == point.Phase) < point.Waits)
                {
                    if (run.Process.HasExited)
                    {
                        run.Finish(TimeSpan.FromMinutes(1));
                        Assert.Fail(Missed("it never waited there"));
                    }
                    await Task.Delay(20);
                }
                KillGroup(run.Process);
            }
            else
            {
                // the stand-in kills the run at the call; should the phase end without that call, the point is missed: stop there
                while (!run.Process.HasExited && !Past(log.Since(), point.Phase)) await Task.Delay(20);
                var past = !run.Process.HasExited;
                if (past) KillGroup(run.Process);
                run.Finish(TimeSpan.FromMinutes(1));
                var kill = standIns.Kills.SingleOrDefault(k => k.Id == $"k{i}");
                Assert.True(kill is not null, Missed(past ? "the phase ended without that call" : "no stand-in call matched it"));
                Assert.Equal(point.Phase, kill.Phase);
                Assert.True(run.Process.ExitCode == 137, Missed("the stand-in recorded the kill, but SIGKILL did not end the run"));
            }
            killedIn.Add(point.Phase);
            output.WriteLine($"kill {i + 1}: {point}");
        }
        var noKill = standIns.Knobs;
        noKill.Remove("kill");
        standIns.Knobs = noKill;
        using (var last = Start(h.Root, environment, resume: true))
        {
            Assert.True(last.Finish(TimeSpan.FromMinutes(10)), "the final --resume did not finish in 10 minutes");
            Assert.True(last.Process.ExitCode == 0, $"the final --resume failed after {killedIn.Count} kills:\n{last.Stderr}");
        }
        output.WriteLine($"talosctl bootstrap invoked {standIns.Calls.Count(c => c.Tool == "talosctl" && c.Command == "bootstrap")} time(s)");
        Assert.Equal(BootstrapPlan.PhaseOrder.Order(StringComparer.Ordinal), killedIn.Distinct().Order(StringComparer.Ordinal)); // a kill in every phase

        var talos = standIns.StateOf("talos.json");
        Assert.True(talos["bootstrapped"]!.GetValue<bool>());
        Assert.Empty(talos["violations"]?.AsArray() ?? []);
        Assert.False(File.Exists(Path.Combine(standIns.StatePath, "egress.log")), "a tool reached the internet during the bootstrap");
        Assert.False(standIns.StateOf("flux.json")["downloaded"]!.GetValue<bool>());
        // Exactly once: the cluster was bootstrapped, and no call ever reached an already bootstrapped
        // etcd (the stand-in records that as a violation). A call killed before it took effect is not a run.
        var state = new StateFile(h.StatePath).Load()!;
        Assert.All(BootstrapPlan.PhaseOrder, p => Assert.True(state.Completed(p), $"{p} not completed"));
        Assert.Contains(File.ReadAllLines(logPath), l => l.Contains("\"event\":\"run-completed\""));

        // A fresh run (not --resume) now finds every phase done and changes nothing.
        var callsBefore = standIns.Calls.Count(c => c.Command is "apply-config" or "bootstrap" or "upgrade" or "install" or "apply");
        using (var again = Start(h.Root, environment, resume: false))
        {
            Assert.True(again.Finish(TimeSpan.FromMinutes(5)) && again.Process.ExitCode == 0, again.Stderr);
            Assert.True(again.Stdout.Split('\n').Count(l => l.Contains(": already done")) == BootstrapPlan.PhaseOrder.Length, again.Stdout);
        }
        Assert.Equal(callsBefore, standIns.Calls.Count(c => c.Command is "apply-config" or "bootstrap" or "upgrade" or "install" or "apply"));
    }

    /// <summary>Whether a run with these events is past <paramref name="phase"/>: it ended, or the phase did, or a later one started.</summary>
    private static bool Past(List<EventLog.Entry> events, string phase) => events.Any(e =>
        e.Event is "run-completed" or "run-failed"
        || (e.Phase == phase && e.Event is "phase-completed" or "phase-skipped" or "phase-failed")
        || (e.Event == "phase-started" && Array.IndexOf(BootstrapPlan.PhaseOrder, e.Phase) > Array.IndexOf(BootstrapPlan.PhaseOrder, phase)));

    /// <summary>The run's event log, from where it ended when this object was made.</summary>
    private sealed class EventLog(string path)
    {
        private readonly int _start = Lines(path).Count;

        public sealed record Entry(string Event, string? Phase);

        /// <summary>The events logged since this object was made (this run's).</summary>
        public List<Entry> Since() => Lines(path).Skip(_start).Select(Parse).OfType<Entry>().ToList();

        private static Entry? Parse(string line)
        {
            try
            {
                var node = System.Text.Json.Nodes.JsonNode.Parse(line);
                return node?["event"]?.GetValue<string>() is { } kind ? new Entry(kind, node["phase"]?.GetValue<string>()) : null;
            }
            catch (System.Text.Json.JsonException) { return null; } // a line being written
        }

        private static List<string> Lines(string path)
        {
            try { return File.Exists(path) ? File.ReadLines(path).ToList() : []; }
            catch (IOException) { return []; }
        }
    }

    private sealed class Run(Process process, System.Text.StringBuilder stdout, System.Text.StringBuilder stderr) : IDisposable
    {
        public Process Process { get; } = process;

        /// <summary>
        /// Waits for the exit and then for the output readers (WaitForExit(timeout) alone may return before the last lines
        /// arrive), each for a bounded time: a child that escaped the group and holds stdout must fail the test, not hang it.
        /// </summary>
        public bool Finish(TimeSpan timeout)
        {
            using var limit = new CancellationTokenSource(timeout);
            try { Process.WaitForExitAsync(limit.Token).GetAwaiter().GetResult(); }
            catch (OperationCanceledException) { return false; }
            return true;
        }

        public string Stdout { get { lock (stdout) return stdout.ToString(); } }
        public string Stderr { get { lock (stderr) return stderr.ToString(); } }
        public void Dispose() => Process.Dispose();
    }

    /// <summary>`homeops bootstrap --yes [--resume]` in its own process group, so a kill takes its tool processes with it.</summary>
    private static Run Start(string root, Dictionary<string, string> environment, bool resume)
    {
        var info = new ProcessStartInfo("setsid") { WorkingDirectory = root, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { "dotnet", Path.Combine(AppContext.BaseDirectory, "homeops.dll"), "bootstrap", "--yes", "--schema-location", Repo.Schemas })
            info.ArgumentList.Add(argument);
        if (resume) info.ArgumentList.Add("--resume");
        foreach (var (k, v) in environment) info.Environment[k] = v;
        var process = Process.Start(info)!;
        var (stdout, stderr) = (new System.Text.StringBuilder(), new System.Text.StringBuilder());
        process.OutputDataReceived += (_, e) => { lock (stdout) stdout.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { lock (stderr) stderr.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new Run(process, stdout, stderr);
    }

    private static void KillGroup(Process process)
    {
        using var kill = Process.Start("kill", ["-KILL", "--", $"-{process.Id}"]);
        kill!.WaitForExit();
        Assert.True(process.WaitForExit(TimeSpan.FromMinutes(1)), "bootstrap still ran a minute after SIGKILL to its process group");
    }
}
