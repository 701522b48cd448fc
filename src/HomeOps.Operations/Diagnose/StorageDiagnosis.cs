using System.Globalization;
using System.Text.Json.Nodes;
using HomeOps.Compile.Repository;
using HomeOps.Model.Repository;
using HomeOps.Operations.Observe;

namespace HomeOps.Operations.Diagnose;

/// <summary>
/// What the repository says Longhorn should look like: every talconfig node a Longhorn node, with one disk at the
/// HelmRelease's defaultSettings.defaultDataPath (the USB SSD's mount), and volumes with defaultReplicaCount replicas.
/// Unset values take Longhorn's own defaults.
/// </summary>
public sealed record StoragePlan(IReadOnlyList<string> Nodes, string DataPath, int ReplicaCount)
{
    public const string LonghornDefaultDataPath = "/var/lib/longhorn/";
    public const int LonghornDefaultReplicaCount = 3;

    /// <summary>Null when the repository has no HelmRelease of chart "longhorn".</summary>
    public static StoragePlan? From(RepoModel repo)
    {
        if (LonghornValues(repo) is not { } values) return null;
        var settings = values["defaultSettings"] as JsonObject;
        var path = Manifest.Text(settings?["defaultDataPath"]) is { Length: > 0 } p ? p : LonghornDefaultDataPath;
        // the chart takes the setting as a number or a quoted string
        var replicas = settings?["defaultReplicaCount"] is JsonValue value
                       && (value.TryGetValue<long>(out var r) || long.TryParse(Manifest.Text(value), NumberStyles.None, CultureInfo.InvariantCulture, out r))
            ? (int)r : LonghornDefaultReplicaCount;
        return new StoragePlan(PlannedNode.From(repo.Talos).Select(n => n.Hostname).ToList(), path, replicas);
    }

    /// <summary>The merged values of the HelmRelease of chart "longhorn"; null when there is none.</summary>
    public static JsonObject? LonghornValues(RepoModel repo) =>
        repo.OfKind("helm.toolkit.fluxcd.io", "HelmRelease")
            .FirstOrDefault(r => Manifest.Text(r.Body["spec"].Field("chart").Field("spec").Field("chart")) == "longhorn") is { } release
            ? HelmValues.Merged(HelmValues.LayersOf(repo, release)) : null;

    /// <summary>Longhorn writes disk paths with or without a trailing slash; both name the same directory.</summary>
    public static string SamePath(string path) => path.Length > 1 ? path.TrimEnd('/') : path;
}

/// <summary>
/// `homeops diagnose storage`: each planned node's Longhorn node Ready and Schedulable, with exactly one disk, at the
/// repository's data path, Ready and Schedulable, with free space (warn under 20%, fail under 10%: Longhorn's
/// storageMinimalAvailablePercentage stops scheduling at 10%); every volume healthy and with the repository's replica
/// count. Pure: Longhorn's objects in, checks out.
/// </summary>
public static class StorageDiagnosis
{
    public const double WarnBelowFree = 0.20;
    public const double FailBelowFree = 0.10;

    public static Diagnosis Compare(StoragePlan plan, IReadOnlyList<LonghornNode>? nodes, IReadOnlyList<LonghornVolume>? volumes)
    {
        if (nodes is null || volumes is null)
            return new Diagnosis("storage", [Check.Fail("Longhorn", "installed", "the API does not serve longhorn.io nodes and volumes",
                "Longhorn's CRDs (infrastructure/longhorn, installed by Flux)")], []);
        var checks = new List<Check>();
        var notes = new List<string>();
        foreach (var name in plan.Nodes) checks.AddRange(NodeChecks(plan, name, nodes.FirstOrDefault(n => n.Name == name)));
        var others = nodes.Where(n => !plan.Nodes.Contains(n.Name)).Select(n => n.Name).ToList();
        if (others.Count > 0) notes.Add($"not in talconfig.yaml, so not checked: Longhorn node {string.Join(", ", others)}");

        var findings = volumes.SelectMany(v => VolumeChecks(plan, v)).ToList();
        var healthy = volumes.Count(v => !findings.Any(f => f.Subject == $"volume {v.Name}"));
        var detached = volumes.Count(v => v.State == "detached");
        checks.Add(Check.Ok("volumes", "as planned", $"{healthy} of {volumes.Count} volume(s) healthy with enough replicas{(detached > 0 ? $" ({detached} detached)" : "")}",
            $"robustness healthy, {plan.ReplicaCount} replicas (defaultReplicaCount)"));
        checks.AddRange(findings);
        return new Diagnosis("storage", checks, notes);
    }

    private static IEnumerable<Check> NodeChecks(StoragePlan plan, string name, LonghornNode? node)
    {
        var subject = $"node {name}";
        if (node is null)
        {
            yield return Check.Fail(subject, "Longhorn node", "no Longhorn node of that name", "one per talconfig.yaml node (longhorn-manager registers it)");
            yield break;
        }
        yield return Check.When(node.Ready && node.Schedulable, Verdict.Fail, subject, "Longhorn node", State(node.Ready, node.Schedulable, node.Message),
            "Ready, Schedulable");

        var onSsd = node.Disks.Where(d => StoragePlan.SamePath(d.Path) == StoragePlan.SamePath(plan.DataPath)).ToList();
        var elsewhere = node.Disks.Except(onSsd).ToList();
        var seen = node.Disks.Count > 0 ? string.Join(", ", node.Disks.Select(d => $"{d.Name} at {d.Path}")) : "no disks";
        var expected = $"exactly one disk, at {plan.DataPath} (defaultDataPath)";
        yield return onSsd.Count == 1 && elsewhere.Count == 0 ? Check.Ok(subject, "disks", seen, expected)
            : onSsd.Count == 1 ? Check.Warn(subject, "disks", seen, $"{expected}: Longhorn also writes to the others (the system disk?)")
            : Check.Fail(subject, "disks", seen, expected);
        foreach (var disk in onSsd)
        {
            yield return Check.When(disk.Ready && disk.Schedulable, Verdict.Fail, subject, $"disk {disk.Name}", State(disk.Ready, disk.Schedulable, disk.Message),
                "Ready, Schedulable");
            yield return SpaceCheck(subject, disk);
        }
    }

    private static Check SpaceCheck(string subject, LonghornDisk disk)
    {
        var expected = $"at least {WarnBelowFree * 100:0}% free (WARN below, FAIL under {FailBelowFree * 100:0}%)";
        if (disk.MaximumBytes <= 0) return Check.Fail(subject, $"space on {disk.Path}", "no size reported", expected);
        var free = (double)disk.AvailableBytes / disk.MaximumBytes;
        var seen = $"{Bytes(disk.AvailableBytes)} free of {Bytes(disk.MaximumBytes)} ({(free * 100).ToString("0.0", CultureInfo.InvariantCulture)}%)";
        var verdict = free < FailBelowFree ? Verdict.Fail : free < WarnBelowFree ? Verdict.Warn : Verdict.Ok;
        return new Check(subject, $"space on {disk.Path}", verdict, seen, expected);
    }

    private static IEnumerable<Check> VolumeChecks(StoragePlan plan, LonghornVolume volume)
    {
        var subject = $"volume {volume.Name}";
        var where = volume.AttachedNode is { } node ? $"attached to {node}" : volume.State;
        var robust = volume.Condition switch
        {
            VolumeCondition.Healthy => Verdict.Ok,
            VolumeCondition.Faulted => Verdict.Fail,
            _ => Verdict.Warn,
        };
        if (robust != Verdict.Ok)
            yield return new Check(subject, "robustness", robust, $"{volume.Robustness}, {where}, {volume.Replicas} replica(s) wanted",
                "healthy: every wanted replica running");
        if (volume.Replicas < plan.ReplicaCount)
            yield return Check.Warn(subject, "replicas", $"{volume.Replicas} wanted ({where})",
                $"at least {plan.ReplicaCount} (defaultReplicaCount in infrastructure/longhorn)");
    }

    /// <summary>Longhorn's two conditions as the UI shows them, with the reason it gives when one is false.</summary>
    private static string State(bool ready, bool schedulable, string message) =>
        $"{(ready ? "Ready" : "not Ready")}, {(schedulable ? "Schedulable" : "not Schedulable")}{(message.Length > 0 ? $": {message}" : "")}";

    private static string Bytes(long bytes) =>
        bytes >= 1L << 30 ? $"{(bytes / (double)(1L << 30)).ToString("0.0", CultureInfo.InvariantCulture)} GiB"
            : $"{(bytes / (double)(1L << 20)).ToString("0.0", CultureInfo.InvariantCulture)} MiB";
}
