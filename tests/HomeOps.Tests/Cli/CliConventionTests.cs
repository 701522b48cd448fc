using HomeOps.Tests.Operations;
using HomeOps.Tests.Support;

namespace HomeOps.Tests.Cli;

/// <summary>The command-line defects docs/cli.md's contract fixed, each through the real CLI.</summary>
[Trait(Category.Name, Category.EndToEnd)]
public sealed class CliConventionTests
{
    private const string Broken = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  name: b\n";

    [Fact]
    public void Validate_checks_the_directory_named_by_C_not_the_current_one()
    {
        using var repo = new TempDir();
        using var elsewhere = new TempDir();
        repo.Write("apps/cm.yaml", Broken);
        var viaC = Support.Process.HomeOps(elsewhere.Path, "-C", repo.Path, "validate");
        Assert.True(viaC.ExitCode == 1, viaC.Output);
        Assert.Contains("apps/cm.yaml", viaC.Stdout);
        Assert.Contains("yaml/duplicate-key", viaC.Stdout);
        // a relative PATH is taken from -C, like git -C
        var parent = Path.GetDirectoryName(repo.Path)!;
        var relative = Support.Process.HomeOps(elsewhere.Path, "-C", parent, "validate", Path.GetFileName(repo.Path));
        Assert.True(relative.ExitCode == 1, relative.Output);
        Assert.Contains("apps/cm.yaml", relative.Stdout);
    }

    [Fact]
    public void Nothing_to_validate_is_bad_input_never_a_green_result()
    {
        using var empty = new TempDir();
        var result = Support.Process.HomeOps(empty.Path, "validate");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("nothing to validate", result.Stderr);
        var missing = Support.Process.HomeOps(empty.Path, "-C", Path.Combine(empty.Path, "no-such-dir"), "validate");
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("is not a directory", missing.Stderr);
    }

    [Fact]
    public void A_missing_tool_is_named_as_bad_input_not_an_internal_error()
    {
        using var tools = new TempDir(); // a PATH that holds nothing: no cilium
        var result = Support.Process.HomeOps(Repo.Root, new Dictionary<string, string> { ["PATH"] = tools.Path }, "diagnose", "bgp");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("executable not found: cilium", result.Stderr);
        Assert.DoesNotContain("internal error", result.Output);
    }

    [Fact]
    public void Durations_need_a_unit_and_o_always_means_format()
    {
        var bare = Support.Process.HomeOps(Repo.Root, "bgp", "lab", "--timeout", "30");
        Assert.Equal(2, bare.ExitCode);
        Assert.Contains("--timeout '30' is not a duration; write it like 90s, 15m or 1h30m", bare.Stderr);
        var gensecret = Support.Process.HomeOps(Repo.Root, "talos", "gensecret", "-o", "x.yaml");
        Assert.Equal(2, gensecret.ExitCode);
        Assert.Contains("'-o'", gensecret.Stderr);
    }

    [Fact]
    public async Task Ctrl_c_stops_status_through_its_cancellation_and_says_so()
    {
        using var h = new OperationsHarness(gitops: true);
        foreach (var (ip, _) in OperationsHarness.Nodes) h.Delay("get machinestatus", ip, 600);
        var info = new System.Diagnostics.ProcessStartInfo("dotnet") { WorkingDirectory = h.Root, RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "homeops.dll"));
        info.ArgumentList.Add("status");
        foreach (var (k, v) in h.StandIns.Environment) info.Environment[k] = v;
        info.Environment["HOMEOPS_OFFLINE"] = "1";
        using var status = System.Diagnostics.Process.Start(info)!;
        var stdout = status.StandardOutput.ReadToEndAsync();
        var stderr = status.StandardError.ReadToEndAsync();
        // wait (on events, not time) until status is inside the slow talosctl call, then interrupt it as a terminal would
        while (!h.StandIns.Calls.Any(c => c.Command == "get machinestatus"))
        {
            if (status.HasExited) Assert.Fail($"status ended before reaching talosctl: {await stderr}");
            await Task.Delay(50);
        }
        var kill = Support.Process.Run("kill", h.Root, "-INT", status.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(kill.ExitCode == 0, $"kill -INT {status.Id}: {kill.Output}");
        Assert.True(status.WaitForExit(TimeSpan.FromMinutes(2)), "status did not stop after SIGINT");
        Assert.Equal(130, status.ExitCode);
        var error = await stderr;
        Assert.Contains("homeops: interrupted", error);
        Assert.DoesNotContain("internal error", await stdout + error);
    }
}
