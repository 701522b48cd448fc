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
/// three minutes, Flux a minute), and SIGKILL at points chosen in the run's own progress: each kill is "in phase P, after n
/// more progress events", counted in the event log, never in wall time. However busy the machine is, the kills land in the
/// same phases; every one must be survivable by --resume, with etcd bootstrapped exactly once, no insecure apply to a
/// configured node and nothing fetched from the internet.
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

    /// <summary>Where to kill: in every phase, two or three times, each after a random number of further progress events.</summary>
    private static List<(string Phase, int After)> KillSchedule(Random random) =>
        BootstrapPlan.PhaseOrder.SelectMany(phase => Enumerable.Range(0, random.Next(2, 4)).Select(_ => (phase, random.Next(0, 5)))).ToList();

    [SkippableFact]
    public async Task Killed_in_every_phase_resume_always_finishes_with_etcd_bootstrapped_once()
    {
        api.Require();
        await api.InstallFluxCrdsAsync();
        using var h = new BootstrapHarness();
        using var standIns = new StandIns();
        var random = new Random(Seed);
        standIns.SetKnobs(Knobs(api.KubeconfigPath, random));
        await using var cluster = new ClusterSimulator(api.Client, standIns, Hostnames);
        var environment = standIns.Environment.ToDictionary();
        environment["HOMEOPS_OFFLINE"] = "1";

        var schedule = KillSchedule(random);
        var (runs, finishedOnTheirOwn) = (0, 0);
        var killedIn = new List<string>();
        foreach (var (phase, after) in schedule)
        {
            var log = new EventLog(Path.Combine(h.Root, ".homeops", "bootstrap.log"));
            using var run = Start(h.Root, environment, resume: runs++ > 0);
            // progress of this run only: wait for the phase to start, then for `after` more progress events (or the phase's end)
            var killed = false;
            while (!run.Process.HasExited)
            {
                var mine = log.ProgressSince();
                var started = mine.FindLastIndex(e => e.Event == "phase-started" && e.Phase == phase);
                if (started >= 0 && (mine.Count - 1 - started >= after || mine.Skip(started).Any(e => e.Phase == phase && e.Event is "phase-completed" or "phase-skipped" or "phase-failed")))
                {
                    KillGroup(run.Process);
                    killed = true;
                    killedIn.Add(phase);
                    break;
                }
                await Task.Delay(5);
            }
            if (!killed)
            {
                run.Finish(TimeSpan.FromMinutes(5));
                Assert.True(run.Process.ExitCode == 0, $"run {runs} failed on its own (exit {run.Process.ExitCode}) before phase {phase}:\n{run.Stderr}");
                finishedOnTheirOwn++;
            }
        }
        using (var last = Start(h.Root, environment, resume: true))
        {
            Assert.True(last.Finish(TimeSpan.FromMinutes(5)), "the final --resume did not finish in 5 minutes");
            Assert.True(last.Process.ExitCode == 0, $"the final --resume failed after {killedIn.Count} kills:\n{last.Stderr}");
        }
        output.WriteLine($"{killedIn.Count} kills over {runs} runs ({finishedOnTheirOwn} finished before their kill point); killed in: {string.Join(", ", killedIn)}");
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
        Assert.Contains(File.ReadAllLines(Path.Combine(h.Root, ".homeops", "bootstrap.log")), l => l.Contains("\"event\":\"run-completed\""));

        // A fresh run (not --resume) now finds every phase done and changes nothing.
        var callsBefore = standIns.Calls.Count(c => c.Command is "apply-config" or "bootstrap" or "upgrade" or "install" or "apply");
        using (var again = Start(h.Root, environment, resume: false))
        {
            Assert.True(again.Finish(TimeSpan.FromMinutes(2)) && again.Process.ExitCode == 0, again.Stderr);
            Assert.True(again.Stdout.Split('\n').Count(l => l.Contains(": already done")) == BootstrapPlan.PhaseOrder.Length, again.Stdout);
        }
        Assert.Equal(callsBefore, standIns.Calls.Count(c => c.Command is "apply-config" or "bootstrap" or "upgrade" or "install" or "apply"));
    }

    /// <summary>The run's event log read as progress: every event but "waiting" (how often a wait polls depends on the machine's speed).</summary>
    private sealed class EventLog(string path)
    {
        private readonly int _start = Lines(path).Count;

        public sealed record Entry(string Event, string? Phase);

        /// <summary>The progress events logged since this object was made (this run's).</summary>
        public List<Entry> ProgressSince() =>
            Lines(path).Skip(_start).Select(Parse).OfType<Entry>().Where(e => e.Event != "waiting").ToList();

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
