namespace HomeOps.Operations.Status;

/// <summary>Green: as intended. Yellow: works, needs attention soon. Red: broken or about to break. Ordered by severity.</summary>
public enum Health { Green, Yellow, Red }

/// <summary>One judged thing (a node, a session, a volume): its health, one line saying why, and the values behind it.</summary>
public sealed record StatusCheck(string Subject, Health Health, string Message, IReadOnlyDictionary<string, object?> Facts);

/// <summary>One area of the cluster. Checks list every subject for small areas (nodes, etcd, BGP) and only the unhealthy ones for large areas.</summary>
public sealed record StatusSection(string Name, string Title, Health Health, string Summary, IReadOnlyList<StatusCheck> Checks)
{
    public static StatusSection Of(string name, string title, string summary, IReadOnlyList<StatusCheck> checks) =>
        new(name, title, checks.Count == 0 ? Health.Green : checks.Max(c => c.Health), summary, checks);
}

/// <summary>
/// The whole picture `homeops status` prints, and exactly what `--format json` serializes (schema
/// <see cref="Schema"/>, documented in docs/status.md): sections in a fixed order, always all of them.
/// </summary>
public sealed record StatusReport(string Cluster, DateTimeOffset ObservedAt, IReadOnlyList<StatusSection> Sections)
{
    public const string Schema = "homeops.status/v1";

    /// <summary>The section names, in the order they are always reported.</summary>
    public static readonly IReadOnlyList<string> SectionOrder = ["nodes", "etcd", "flux", "cilium", "bgp", "lbPools", "longhorn", "certificates"];

    public Health Health => Sections.Count == 0 ? Health.Green : Sections.Max(s => s.Health);
}
