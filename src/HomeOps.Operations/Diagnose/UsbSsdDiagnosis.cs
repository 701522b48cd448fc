using System.Globalization;
using System.Text.RegularExpressions;
using HomeOps.Compile.Repository;
using HomeOps.Operations.Tools;

namespace HomeOps.Operations.Diagnose;

/// <summary>
/// One node's Longhorn SSD as talconfig.yaml selects it: the user volume (UserVolumeConfig) whose disk selector names a
/// model, the transport it should come through (the selector's, else usb), its minimum size, and where Talos mounts it
/// (/var/mnt/NAME, Talos' fixed place for user volumes).
/// </summary>
public sealed record SsdExpectation(PlannedNode Node, string Volume, string Model, string Transport, long MinSize, string MinSizeText)
{
    public string VolumeId => $"u-{Volume}";

    public string MountPath => $"/var/mnt/{Volume}";
}

/// <summary>Every node's SSD expectation, Longhorn's data path (null without a Longhorn release), and nodes without a model-selected user volume.</summary>
public sealed partial record UsbSsdPlan(IReadOnlyList<SsdExpectation> Nodes, string? LonghornDataPath, IReadOnlyList<string> WithoutSsd)
{
    public static UsbSsdPlan From(RepoModel repo)
    {
        var expectations = new List<SsdExpectation>();
        var without = new List<string>();
        var planned = PlannedNode.From(repo.Talos).ToDictionary(n => n.Hostname);
        foreach (var node in repo.Talos?.Nodes ?? [])
        {
            var volume = (node.Settings.UserVolumes ?? []).Select(v => (Volume: v, Model: ModelOf.Match(v.Provisioning?.DiskSelector?.Match ?? "")))
                .FirstOrDefault(v => v.Model.Success);
            if (volume.Volume is null) { without.Add(node.Hostname); continue; }
            var transport = TransportOf.Match(volume.Volume.Provisioning!.DiskSelector!.Match);
            var minSize = volume.Volume.Provisioning.MinSize;
            expectations.Add(new SsdExpectation(planned[node.Hostname], volume.Volume.Name, volume.Model.Groups["v"].Value,
                transport.Success ? transport.Groups["v"].Value : "usb", minSize is null ? 0 : ParseBytes(minSize), minSize ?? "any size"));
        }
        return new UsbSsdPlan(expectations, StoragePlan.From(repo)?.DataPath, without);
    }

    /// <summary>go-humanize's ParseBytes, as Talos reads minSize: "100GiB" (powers of 1024), "100GB" or "100G" (powers of 1000).</summary>
    public static long ParseBytes(string text)
    {
        var m = SizeOf.Match(text);
        if (!m.Success) return 0;
        var power = "kmgtpe".IndexOf(char.ToLowerInvariant(m.Groups["unit"].Value.FirstOrDefault('b'))) + 1;
        var factor = Math.Pow(m.Groups["i"].Success ? 1024 : 1000, power);
        return (long)(double.Parse(m.Groups["n"].Value, CultureInfo.InvariantCulture) * factor);
    }

    // CEL as talconfig writes it: disk.model == "Portable SSD T5" (either quote)
    [GeneratedRegex("""disk\.model\s*==\s*["'](?<v>[^"']+)["']""")]
    private static partial Regex ModelRegex();

    [GeneratedRegex("""disk\.transport\s*==\s*["'](?<v>[^"']+)["']""")]
    private static partial Regex TransportRegex();

    [GeneratedRegex(@"^\s*(?<n>\d+(\.\d+)?)\s*(?<unit>[kmgtpe])?(?<i>i)?b?\s*$", RegexOptions.IgnoreCase)]
    private static partial Regex SizeRegex();

    private static readonly Regex ModelOf = ModelRegex();
    private static readonly Regex TransportOf = TransportRegex();
    private static readonly Regex SizeOf = SizeRegex();
}

/// <summary>What talosctl said about one node's disks, its SSD volume and its mounts; Problem when it did not answer.</summary>
public sealed record SsdReading(SsdExpectation Expected, IReadOnlyList<TalosDisk> Disks, TalosVolumeStatus? Volume, IReadOnlyList<TalosMount> Mounts, string? Problem)
{
    /// <summary>Reads every planned node, all at once; a node that does not answer becomes a reading with its Problem.</summary>
    public static async Task<IReadOnlyList<SsdReading>> ReadAsync(ITalosctl talos, UsbSsdPlan plan, string talosconfig, CancellationToken cancel) =>
        await Task.WhenAll(plan.Nodes.Select(async expected =>
        {
            var address = expected.Node.TalosAddress;
            try
            {
                return new SsdReading(expected, await talos.DisksAsync(address, talosconfig, cancel),
                    await talos.VolumeStatusAsync(address, talosconfig, expected.VolumeId, cancel), await talos.MountsAsync(address, talosconfig, cancel), null);
            }
            catch (ToolFailedException e)
            {
                return new SsdReading(expected, [], null, [], $"talosctl at {address}: {e.Result.Tail(2)}");
            }
        }));
}

/// <summary>
/// `homeops diagnose usb-ssd`: per node, the SSD found by the model talconfig selects, its transport and size, the
/// user volume on it ready, and mounted where Longhorn writes. Pure: talosctl's readings in, checks out.
/// </summary>
public static class UsbSsdDiagnosis
{
    public static Diagnosis Compare(UsbSsdPlan plan, IReadOnlyList<SsdReading> readings)
    {
        var checks = new List<Check>();
        var notes = plan.WithoutSsd.Select(n => $"{n}: no user volume in talconfig.yaml selects a disk by model, so not checked").ToList();
        foreach (var mountPath in plan.Nodes.Select(n => n.MountPath).Distinct())
            if (plan.LonghornDataPath is { } data && StoragePlan.SamePath(data) != mountPath)
                checks.Add(Check.Fail("repository", "Longhorn data path", $"defaultDataPath {data} (infrastructure/longhorn)",
                    $"{mountPath}, where Talos mounts the SSD volume"));
        foreach (var reading in readings) checks.AddRange(NodeChecks(reading));
        return new Diagnosis("usb-ssd", checks, notes);
    }

    private static IEnumerable<Check> NodeChecks(SsdReading reading)
    {
        var expected = reading.Expected;
        var subject = $"node {expected.Node.Hostname}";
        if (reading.Problem is { } problem)
        {
            yield return Check.Fail(subject, "answers", problem, $"Talos API on {expected.Node.TalosAddress}:50000 (talosctl with the repository's talosconfig)");
            yield break;
        }
        var disk = reading.Disks.FirstOrDefault(d => d.Model.Trim() == expected.Model);
        var selector = $"a disk with model \"{expected.Model}\" (talconfig userVolumes {expected.Volume})";
        if (disk is null)
        {
            var seen = reading.Disks.Select(d => $"{d.Id} {(d.Model.Length > 0 ? d.Model : "(no model)")} ({d.Transport})").ToList();
            yield return Check.Fail(subject, "SSD detected", $"not among the disks: {(seen.Count > 0 ? string.Join(", ", seen) : "none")}", selector);
        }
        else
        {
            yield return Check.Ok(subject, "SSD detected", $"{disk.Id} at {disk.DevPath}, {disk.PrettySize}, serial {disk.Serial}", selector);
            yield return Check.When(disk.Transport == expected.Transport, Verdict.Warn, subject, "transport", disk.Transport, expected.Transport);
            yield return Check.When(disk.Size >= expected.MinSize, Verdict.Fail, subject, "size", $"{disk.PrettySize} ({disk.Size} bytes)",
                $"at least {expected.MinSizeText} (userVolumes minSize)");
        }
        yield return VolumeCheck(subject, expected, reading.Volume, disk);
        var mount = reading.Mounts.FirstOrDefault(m => m.Target == expected.MountPath);
        yield return Check.When(mount is not null, Verdict.Fail, subject, $"mounted at {expected.MountPath}",
            mount is null ? "nothing mounted there" : $"{mount.Source} ({mount.Filesystem})", $"volume {expected.VolumeId} mounted there (Longhorn writes there)");
    }

    private static Check VolumeCheck(string subject, SsdExpectation expected, TalosVolumeStatus? volume, TalosDisk? disk)
    {
        var name = $"volume {expected.VolumeId}";
        var wanted = $"phase ready, on {(disk is null ? "the SSD" : disk.DevPath)}";
        if (volume is null) return Check.Fail(subject, name, "no such volume on the node (is the UserVolumeConfig applied?)", wanted);
        var seen = $"phase {volume.Phase}" + (volume.Location.Length > 0 ? $", {volume.Location} on {volume.ParentLocation}" : "")
                   + (volume.Filesystem.Length > 0 ? $", {volume.Filesystem}" : "") + (volume.ErrorMessage.Length > 0 ? $": {volume.ErrorMessage}" : "");
        var onSsd = disk is null || volume.ParentLocation == disk.DevPath;
        return Check.When(volume.Ready && onSsd, Verdict.Fail, subject, name, seen, wanted);
    }
}
