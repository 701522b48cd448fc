using System.Text.Json.Serialization;

namespace HomeOps.Operations.Bootstrap;

public enum PhaseStatus { Running, Completed, Skipped, Failed }

/// <summary>What one phase did in the last run that reached it.</summary>
public sealed record PhaseRecord(PhaseStatus Status, DateTimeOffset StartedAt, DateTimeOffset? FinishedAt = null, string? Error = null);

/// <summary>
/// The bootstrap's progress, persisted after every step so a killed run can resume. Holds no
/// secret: only phase outcomes and the keys of finished per-node steps ("talos-config/apply/172.29.51.11").
/// </summary>
public sealed record BootstrapState
{
    public const int CurrentVersion = 1;

    [JsonPropertyName("version")] public int Version { get; init; } = CurrentVersion;
    [JsonPropertyName("runId")] public string RunId { get; init; } = "";
    [JsonPropertyName("phases")] public Dictionary<string, PhaseRecord> Phases { get; init; } = [];
    [JsonPropertyName("steps")] public SortedSet<string> Steps { get; init; } = new(StringComparer.Ordinal);

    public bool Completed(string phase) => Phases.TryGetValue(phase, out var r) && r.Status is PhaseStatus.Completed or PhaseStatus.Skipped;
}

/// <summary>Where the state lives; implementations write atomically (a reader never sees half a file).</summary>
public interface IStateStore
{
    /// <summary>The saved state; null when there is none yet. Throws HomeOpsException for a corrupt file.</summary>
    BootstrapState? Load();

    void Save(BootstrapState state);
}
