using System.Diagnostics;
using HomeOps.Adapters.Files;
using HomeOps.Compile.Bootstrap;
using HomeOps.Tests.Support;
using Xunit.Abstractions;
using Process = System.Diagnostics.Process;

namespace HomeOps.Tests.Bootstrap;

/// <summary>
/// The whole bootstrap through the real CLI: stand-in tools on PATH, a real API server whose
/// controllers the test plays, and SIGKILL at seeded random moments. Every kill must be survivable
/// by --resume, with etcd bootstrapped exactly once and no insecure apply to a configured node.
/// </summary>
[Collection("apiserver")]
[Trait(Category.Name, Category.EndToEnd)]
public sealed class BootstrapKillTests(ApiServerFixture api, ITestOutputHelper output)
{
    private const int Seed = 20261125;
    private const int Kills = 22;

    private static readonly Dictionary<string, string> Hostnames = new()
    {
        ["172.29.51.11"] = "mini01",
        ["172.29.51.12"] = "mini02",
        ["172.29.51.13"] = "mini03",
    };

    /// <summary>Realistic delays, scaled down: enough that kills land inside every phase.</summary>
    private static string Knobs(string kubeconfig)
    {
        var knobs = System.Text.Json.Nodes.JsonNode.Parse("""
            {
              "delay": [
                {"tool": "talosctl", "command": "apply-config", "seconds": 0.4},
                {"tool": "talosctl", "command": "bootstrap", "seconds": 0.3},
                {"tool": "talosctl", "command": "kubeconfig", "seconds": 0.1},
                {"tool": "helm", "command": "upgrade", "seconds": 0.4},
                {"tool": "flux", "command": "install", "seconds": 0.3},
                {"tool": "kubectl", "command": "apply", "seconds": 0.1},
                {"tool": "op", "command": "item get", "seconds": 0.1}
              ],
              "talos": {"etcdStartSeconds": 0.3},
              "cilium": {"bgpPeers": {
                "mini01": [{"peerAddress": "172.29.51.1", "peerAsn": 64513, "localAsn": 64512, "state": "established", "advertised": 3}],
                "mini02": [{"peerAddress": "172.29.51.1", "peerAsn": 64513, "localAsn": 64512, "state": "established", "advertised": 3}],
                "mini03": [{"peerAddress": "172.29.51.1", "peerAsn": 64513, "localAsn": 64512, "state": "established", "advertised": 3}]}},
              "op": {"items": {"homelab": {
                "1Password Connect Credentials - home-ops": {},
                "1Password Connect Token - home-ops": {"token": "eyJhbGciOiJFUzI1NiJ9.test"}}}}
            }
            """)!;
        knobs["talos"]!["kubeconfig"] = kubeconfig;
        knobs["op"]!["items"]!["homelab"]!["1Password Connect Credentials - home-ops"]!["credentials"] = BootstrapHarness.ValidCredentials;
        return knobs.ToJsonString();
    }

    [SkippableFact]
    public async Task Killed_at_random_points_resume_always_finishes_with_etcd_bootstrapped_once()
    {
        api.Require();
        await api.InstallFluxCrdsAsync();
        using var h = new BootstrapHarness();
        using var standIns = new StandIns();
        standIns.SetKnobs(Knobs(api.KubeconfigPath));
        await using var cluster = new ClusterSimulator(api.Client, standIns, Hostnames);
        var environment = standIns.Environment.ToDictionary();
        environment["HOMEOPS_OFFLINE"] = "1";

        var random = new Random(Seed);
        var (kills, runs) = (0, 0);
        var killedIn = new List<string>();
        while (kills < Kills)
        {
            // Kill points are counted in the run's own progress (events it logged) plus a random
            // delay, not in wall time, so they land across the phases however busy the machine is.
            var logged = EventCount(h.Root);
            var target = logged + random.Next(1, 7);
            var extra = TimeSpan.FromMilliseconds(random.Next(0, 1500)); // longer than any stand-in delay, so runs also get to finish steps
            using var run = Start(h.Root, environment, resume: runs++ > 0);
            while (!run.Process.HasExited && EventCount(h.Root) < target) await Task.Delay(10);
            if (!run.Finish(extra))
            {
                KillGroup(run.Process);
                kills++;
                killedIn.Add(LastPhaseStarted(h.Root) ?? "(before the first phase)");
            }
            else Assert.True(run.Process.ExitCode == 0, $"run {runs} failed on its own (exit {run.Process.ExitCode}):\n{run.Stderr}");
        }
        using (var last = Start(h.Root, environment, resume: true))
        {
            Assert.True(last.Finish(TimeSpan.FromMinutes(2)), "the final --resume did not finish in 2 minutes");
            Assert.True(last.Process.ExitCode == 0, $"the final --resume failed after {kills} kills:\n{last.Stderr}");
        }
        output.WriteLine($"killed in: {string.Join(", ", killedIn)}");
        Assert.True(killedIn.Distinct().Count() >= 5, $"the kills landed in too few places to mean much: {string.Join(", ", killedIn)}");
        output.WriteLine($"{kills} kills over {runs} runs; talosctl bootstrap invoked {standIns.Calls.Count(c => c.Tool == "talosctl" && c.Command == "bootstrap")} time(s)");

        var talos = standIns.StateOf("talos.json");
        Assert.True(talos["bootstrapped"]!.GetValue<bool>());
        Assert.Empty(talos["violations"]?.AsArray() ?? []);
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

    private sealed class Run(Process process, System.Text.StringBuilder stdout, System.Text.StringBuilder stderr) : IDisposable
    {
        public Process Process { get; } = process;

        /// <summary>Waits for the exit and then for the output readers: WaitForExit(timeout) alone may return before the last lines arrive.</summary>
        public bool Finish(TimeSpan timeout)
        {
            if (!Process.WaitForExit(timeout)) return false;
            Process.WaitForExit();
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

    private static int EventCount(string root)
    {
        var log = Path.Combine(root, ".homeops", "bootstrap.log");
        try { return File.Exists(log) ? File.ReadLines(log).Count() : 0; }
        catch (IOException) { return 0; }
    }

    private static string? LastPhaseStarted(string root)
    {
        var log = Path.Combine(root, ".homeops", "bootstrap.log");
        return !File.Exists(log) ? null : File.ReadLines(log).Where(l => l.Contains("\"event\":\"phase-started\"")).Select(l =>
            System.Text.Json.Nodes.JsonNode.Parse(l)?["phase"]?.GetValue<string>()).LastOrDefault();
    }

    private static void KillGroup(Process process)
    {
        using var kill = Process.Start("kill", ["-KILL", "--", $"-{process.Id}"]);
        kill!.WaitForExit();
        process.WaitForExit();
    }
}
